import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { StartupError } from '@cruddur/local-stack';
import { afterAll, describe, expect, it } from 'vitest';
import { createUpOutput, failureLine, formatDuration, stepLine } from './up-output.ts';

const plain = { color: false };

describe('step lines', () => {
  it('one line per step: what, where, how long', () => {
    expect(stepLine({ step: 'dynamodb', state: 'done', ms: 3409, port: 8000 }, plain)).toBe(
      `  ✔ ${'DynamoDB Local on :8000'.padEnd(54)}   3.4s`,
    );
    expect(stepLine({ step: 'schemas', state: 'done', ms: 2185 }, plain)).toBe(
      `  ✔ ${'schemas: users migrations, DynamoDB tables'.padEnd(54)}   2.2s`,
    );
  });

  it('keeps the columns when coloured', () => {
    const line = stepLine({ step: 'postgres', state: 'done', ms: 862, port: 54329 }, { color: true });
    expect(line).toContain('\u001b[32m✔');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping ANSI colour codes
    expect(line.replace(/\u001b\[\d+m/g, '')).toBe(
      stepLine({ step: 'postgres', state: 'done', ms: 862, port: 54329 }, plain),
    );
  });

  it('times in seconds with one decimal', () => {
    expect(formatDuration(49)).toBe('0.0s');
    expect(formatDuration(850)).toBe('0.9s');
    expect(formatDuration(12_345)).toBe('12.3s');
  });
});

describe('failure lines', () => {
  const logFile = '.data/logs/services.log';

  it('an expected failure says what failed and what to do, on one line', () => {
    const err = new StartupError(
      'port 4567 (gateway service) is taken by pid 42 (node x.js)',
      'stop it (kill 42), then try again',
      {
        detail: 'several\nlines',
      },
    );
    expect(failureLine(err, { logFile, tty: true, ...plain })).toBe(
      '  ✖ port 4567 (gateway service) is taken by pid 42 (node x.js); stop it (kill 42), then try again',
    );
    expect(failureLine(err, { logFile, tty: false, ...plain })).toBe(
      'error: port 4567 (gateway service) is taken by pid 42 (node x.js); stop it (kill 42), then try again',
    );
  });

  it('anything else is named by its step and first line, and points at the log', () => {
    const line = failureLine(new Error('ECONNREFUSED 127.0.0.1:9229\n    at stack'), {
      step: 'provision',
      logFile,
      tty: false,
      ...plain,
    });
    expect(line).toBe(
      `error: provision failed: ECONNREFUSED 127.0.0.1:9229; the full error is in ${logFile}`,
    );
  });
});

/** A stream that keeps what is written to it, optionally posing as a terminal. */
function capture(tty: boolean) {
  let text = '';
  const stream = Object.assign(
    new Writable({
      write(chunk, _encoding, done) {
        text += String(chunk);
        done();
      },
    }),
    { isTTY: tty, hasColors: () => false },
  );
  return { stream, text: () => text };
}

describe('createUpOutput', () => {
  const dir = mkdtempSync(join(tmpdir(), 'up-output-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** What `up` writes for a start whose schemas step fails after two steps went well. */
  function run(tty: boolean) {
    const stdout = capture(tty);
    const stderr = capture(false);
    const logFile = join(dir, `${tty ? 'tty' : 'pipe'}.log`);
    const out = createUpOutput({ stdout: stdout.stream, stderr: stderr.stream, logFile });
    out.starting();
    for (const event of [
      { step: 'postgres', state: 'done', ms: 900, port: 54329 },
      { step: 'dependencies', state: 'done', ms: 4000 },
    ] as const) {
      out.logger.info({ phase: event.step, ms: event.ms }, 'phase done');
      out.onStep(event);
    }
    const err = new StartupError(
      'scripts/db/migrate failed with exit code 1: boom',
      `its output is in ${logFile}`,
    );
    out.onStep({ step: 'schemas', state: 'failed', error: err });
    out.failed(err);
    return { out, stdout: stdout.text(), stderr: stderr.text(), log: readFileSync(logFile, 'utf8') };
  }

  it('not on a terminal: stdout stays JSON log lines, the failure is one line on stderr', () => {
    const { out, stdout, stderr, log } = run(false);
    expect(out.tty).toBe(false);
    const lines = stdout.trim().split('\n');
    expect(lines.map((l) => JSON.parse(l) as { msg: string })).toMatchObject([
      { msg: 'phase done', phase: 'postgres' },
      { msg: 'phase done', phase: 'dependencies' },
      {
        msg: 'start failed',
        level: 50,
        step: 'schemas',
        err: { message: expect.stringContaining('migrate') },
      },
    ]);
    expect(stderr).toMatch(
      /^error: scripts\/db\/migrate failed with exit code 1: boom; its output is in .+\n$/,
    );
    expect(log).toBe(stdout);
  });

  it('on a terminal: a line per step and one failure line, the JSON only in the log file', () => {
    const { out, stdout, stderr, log } = run(true);
    expect(out.tty).toBe(true);
    expect(stdout).toBe(
      `\n  Starting Cruddur messaging\n\n${stepLine({ step: 'postgres', state: 'done', ms: 900, port: 54329 }, plain)}\n`,
    );
    expect(stderr.split('\n')).toEqual([expect.stringMatching(/^ {2}✖ scripts\/db\/migrate failed/), '']);
    expect(
      log
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { msg: string }).msg),
    ).toEqual(['phase done', 'phase done', 'start failed']);
  });
});
