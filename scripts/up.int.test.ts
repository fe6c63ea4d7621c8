import { execFile, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './lib/script-env.ts';
import { DEFAULT_PORTS } from './lib/system.ts';

/**
 * `scripts/up` as a newcomer runs it, stopped at its first check: the stream consumer's fixed port is
 * held here, so it fails at once, before starting anything. Skipped when that port is already taken,
 * i.e. when someone's `scripts/up` is running on this machine.
 */
const port = DEFAULT_PORTS['stream-consumer'];
const server: Server = createServer();
const held = await new Promise<boolean>((resolve) => {
  server.once('error', () => resolve(false));
  server.listen(port, '127.0.0.1', () => resolve(true));
});
const hasScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;
const UP = join(REPO_ROOT, 'scripts', 'up.ts');
const expected = `port ${port} (stream-consumer service) is taken by pid ${process.pid} (node `;

function run(file: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(file, args, { cwd: REPO_ROOT, env, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe.runIf(held)('scripts/up when a port is taken', () => {
  afterAll(async () => {
    server.close();
    await once(server, 'close');
  });

  it('not on a terminal: stdout is JSON log lines only, stderr one line naming the port and its holder', async () => {
    const { code, stdout, stderr } = await run(process.execPath, ['--import', 'tsx', UP]);
    expect(code).toBe(1);
    const lines = stdout.trim().split('\n');
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ level: 50, msg: 'start failed' });
    expect(stderr.split('\n')).toEqual([expect.stringContaining(`error: ${expected}`), '']);
  });

  it.runIf(hasScript)('on a terminal: one failure line and no JSON', async () => {
    const command = `${process.execPath} --import tsx ${UP}`;
    const { code, stdout } = await run('script', ['-q', '-e', '-c', command, '/dev/null']);
    expect(code).toBe(1);
    expect(stdout).not.toContain('{"level"');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping ANSI colour codes
    const text = stdout.replace(/\u001b\[\d+m/g, '');
    const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
    expect(lines).toEqual(['  Starting Cruddur messaging', expect.stringContaining(`✖ ${expected}`)]);
  });
});

describe('scripts/up without Java', () => {
  const bin = mkdtempSync(join(tmpdir(), 'path-without-java-'));
  afterAll(() => rmSync(bin, { recursive: true, force: true }));

  it('stops with one line naming the package and the command that installs it', async () => {
    // A PATH with only what the shim needs before its Java check, and no java.
    for (const tool of ['bash', 'dirname', 'sed', 'uname']) {
      const found = spawnSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
      symlinkSync(found, join(bin, tool));
    }
    symlinkSync(process.execPath, join(bin, 'node'));
    const { code, stdout, stderr } = await run(join(REPO_ROOT, 'scripts', 'up'), [], { PATH: bin });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.split('\n')).toEqual([
      expect.stringMatching(
        /Java is not installed.*package openjdk-17-jre-headless.*sudo apt-get install -y openjdk-17-jre-headless$/,
      ),
      '',
    ]);
  });
});
