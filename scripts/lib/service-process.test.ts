import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** A starter that dies of an uncaught error must not leave the services it started running. */
describe('killWithThisProcess', () => {
  const dir = mkdtempSync(join(tmpdir(), 'service-exit-'));
  let orphan: number | undefined;
  afterAll(() => {
    if (orphan !== undefined && alive(orphan)) process.kill(orphan, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('kills a registered child when its starter throws', async () => {
    const starter = join(dir, 'starter.ts');
    writeFileSync(
      starter,
      [
        "import { spawn } from 'node:child_process';",
        `import { killWithThisProcess } from ${JSON.stringify(join(import.meta.dirname, 'service-process.ts'))};`,
        "const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e9)'], { stdio: 'ignore' });",
        'killWithThisProcess(child);',
        'console.log(child.pid);',
        "setTimeout(() => { throw new Error('the starter fails'); }, 200);",
      ].join('\n'),
    );
    const run = spawn(process.execPath, ['--import', 'tsx', starter], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    run.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
    });
    const [code] = (await once(run, 'exit')) as [number | null];
    expect(code).toBe(1);
    orphan = Number(out.trim());
    expect(orphan).toBeGreaterThan(0);
    // SIGKILL is sent from the starter's exit hook; its delivery takes a moment.
    for (let waited = 0; alive(orphan) && waited < 5_000; waited += 50)
      await new Promise((r) => setTimeout(r, 50));
    expect(alive(orphan)).toBe(false);
  });
});
