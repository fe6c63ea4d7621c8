import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { configProblems } from '@cruddur/config';
import { generateServiceKey } from '@cruddur/service-auth';
import { describe, expect, it } from 'vitest';
import { gatewayConfigSchema } from './config.ts';

const key = JSON.stringify((await generateServiceKey('gateway')).privateKey);
const env = (extra: Record<string, string>) => ({
  USERS_URL: 'http://127.0.0.1:4571',
  MESSAGING_URL: 'http://127.0.0.1:4572',
  COGNITO_USER_POOL_ID: 'us-east-1_Abc123',
  COGNITO_CLIENT_ID: 'client',
  MESSAGE_EVENTS_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:message-events',
  SERVICE_AUTH_PRIVATE_KEY: key,
  ...extra,
});
const issues = (extra: Record<string, string>) => configProblems(gatewayConfigSchema, env(extra));

describe('gateway config: production cannot be given local trust by accident', () => {
  it('trusts a Cognito user pool issuer, or the pool derived from the region, without local trust', () => {
    expect(issues({})).toEqual([]);
    expect(issues({ COGNITO_ISSUER: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Pool9' })).toEqual(
      [],
    );
  });

  it("refuses an http issuer, the emulator's, or any other host unless AUTH_LOCAL_TRUST is on", () => {
    for (const issuer of [
      'http://127.0.0.1:9229/local_Cruddur1',
      'http://cognito:9229/local_Cruddur1',
      'https://cognito.example.com/us-east-1_Abc123',
      'https://cognito-idp.us-east-1.amazonaws.com.evil.example/us-east-1_Abc123',
    ]) {
      expect(issues({ COGNITO_ISSUER: issuer }), issuer).toEqual([
        expect.stringMatching(/^COGNITO_ISSUER: must be a Cognito user pool issuer .*AUTH_LOCAL_TRUST=true/),
      ]);
      expect(issues({ COGNITO_ISSUER: issuer, AUTH_LOCAL_TRUST: 'true' })).toEqual([]);
    }
  });

  it('says why in one line and exits 1 when started that way', () => {
    const main = fileURLToPath(new URL('./main.ts', import.meta.url));
    const run = spawnSync(process.execPath, ['--import', 'tsx', main], {
      env: { ...process.env, ...env({ COGNITO_ISSUER: 'http://127.0.0.1:9229/local_Cruddur1' }) },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^gateway: refusing to start: COGNITO_ISSUER: must be a Cognito user pool issuer/,
      ),
    ]);
  });
});

describe('gateway config: group size', () => {
  it('takes GROUP_MAX_MEMBERS from 2 to 90, 50 by default', () => {
    expect(gatewayConfigSchema.parse(env({})).GROUP_MAX_MEMBERS).toBe(50);
    for (const ok of ['2', '90']) expect(issues({ GROUP_MAX_MEMBERS: ok }), ok).toEqual([]);
    for (const bad of ['1', '91', '2.5', 'many']) {
      expect(issues({ GROUP_MAX_MEMBERS: bad }), bad).toEqual([
        expect.stringMatching(/^GROUP_MAX_MEMBERS: /),
      ]);
    }
  });
});
