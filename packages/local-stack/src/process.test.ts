import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@cruddur/logger';
import { afterAll, describe, expect, it } from 'vitest';
import { StartupError } from './errors.ts';
import { freePort } from './ports.ts';
import { ManagedProcess } from './process.ts';

describe('ManagedProcess.startAndWait', () => {
  const dir = mkdtempSync(join(tmpdir(), 'managed-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('says which process did not come up, why, and where its log is', async () => {
    const logFile = join(dir, 'broken.log');
    const proc = new ManagedProcess('broken', silentLogger, { label: 'Broken Thing', logFile });
    const err = await proc
      .startAndWait(
        process.execPath,
        ['-e', 'console.error("cannot open the data dir"); process.exit(3)'],
        {},
        `http://127.0.0.1:${await freePort()}/`,
      )
      .catch((e: unknown) => e);
    await proc.stop();
    expect(err).toBeInstanceOf(StartupError);
    expect((err as StartupError).message).toBe(
      'Broken Thing did not come up: it exited with code 3 before it answered',
    );
    expect((err as StartupError).hint).toBe(`see its log: ${logFile}`);
    expect(readFileSync(logFile, 'utf8')).toContain('cannot open the data dir');
  });

  it('without a log file, quotes its last line of output instead', async () => {
    const proc = new ManagedProcess('broken', silentLogger);
    const err = (await proc
      .startAndWait(
        process.execPath,
        ['-e', 'console.log("one"); console.log("two"); process.exit(1)'],
        {},
        'http://127.0.0.1:1/',
      )
      .catch((e: unknown) => e)) as StartupError;
    expect(err.hint).toBe('its last output: two');
    expect(err.detail).toContain('one');
  });

  it('says when the command cannot be run at all', async () => {
    const proc = new ManagedProcess('nothing', silentLogger);
    const err = (await proc
      .startAndWait('no-such-command-cruddur', [], {}, 'http://127.0.0.1:1/')
      .catch((e: unknown) => e)) as StartupError;
    expect(err.message).toMatch(
      /^nothing did not come up: could not run no-such-command-cruddur \(spawn .*ENOENT\)$/,
    );
  });
});
