import { freePort, StartupError } from '@cruddur/local-stack';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBundles } from './bundles.ts';
import { ServiceProcess } from './service-process.ts';

beforeAll(async () => {
  await ensureBundles(['users']);
}, 120_000);

describe('ServiceProcess', () => {
  it('says why a service exited at startup from its own last output, though its output is not kept', async () => {
    const service = new ServiceProcess(
      'users',
      await freePort(),
      { DATABASE_URL: 'mysql://not-postgres', USERS_EVENTS_QUEUE_URL: 'http://127.0.0.1:1/q' },
      'ignore',
    );
    const err = (await service.start(30_000).catch((e: unknown) => e)) as StartupError;
    expect(err).toBeInstanceOf(StartupError);
    expect(err.message).toMatch(/^the users service did not come up: it exited with code 1/);
    expect(err.detail).toContain('must be a postgres:// URL');
    expect(err.hint).toMatch(/^its last output: ./);
  });
});
