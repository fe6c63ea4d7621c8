import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { localEnvFile, REPO_ROOT, scriptEnv } from './script-env.ts';

describe('scriptEnv', () => {
  const dir = mkdtempSync(join(tmpdir(), 'script-env-'));
  const file = join(dir, 'local.env');
  writeFileSync(
    file,
    '# Written by scripts/up\nCORS_ORIGINS=http://localhost:3000\nDDB_ENDPOINT=http://127.0.0.1:8000\n',
  );
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes local.env as defaults and the explicit environment over it, empty values too', () => {
    const env = scriptEnv({
      CRUDDUR_LOCAL_ENV: file,
      CORS_ORIGINS: 'http://my-host:3000',
      DDB_ENDPOINT: '',
      X: undefined,
    });
    expect(env).toEqual({ CRUDDUR_LOCAL_ENV: file, CORS_ORIGINS: 'http://my-host:3000', DDB_ENDPOINT: '' });
  });

  it('reads .data/local.env unless CRUDDUR_LOCAL_ENV names another file', () => {
    expect(localEnvFile({})).toBe(join(REPO_ROOT, '.data', 'local.env'));
    expect(localEnvFile({ CRUDDUR_LOCAL_ENV: file })).toBe(file);
    expect(scriptEnv({ CRUDDUR_LOCAL_ENV: join(dir, 'missing.env') })).toEqual({
      CRUDDUR_LOCAL_ENV: join(dir, 'missing.env'),
    });
  });
});
