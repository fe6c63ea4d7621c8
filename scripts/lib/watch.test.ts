import { describe, expect, it } from 'vitest';
import { watch } from './watch.ts';

function output(isTTY: boolean) {
  const chunks: string[] = [];
  return { isTTY, chunks, write: (c: string) => chunks.push(c), text: () => chunks.join('') };
}

/** A frame source that aborts the watch after `n` frames, so the test needs no timers of its own. */
function frames(n: number, make: (i: number) => string | Error) {
  const stop = new AbortController();
  let i = 0;
  const frame = async () => {
    const next = make(i++);
    if (i >= n) stop.abort();
    if (next instanceof Error) throw next;
    return next;
  };
  return { frame, signal: stop.signal };
}

describe('watch', () => {
  it('off a terminal prints one frame after another, separated, with failures on the error stream', async () => {
    const out = output(false);
    const err = output(false);
    const source = frames(3, (i) => (i === 1 ? new Error('table gone') : `frame ${i}\n`));
    const refreshes = await watch({ ...source, intervalMs: 1, out, err, separator: '\n' });
    expect(refreshes).toBe(3);
    expect(out.text()).toBe('frame 0\n\nframe 2\n');
    expect(err.text()).toBe('error: table gone (trying again in 0.001 s)\n');
  });

  it('on a terminal redraws in place from the top with a footer, and shows the cursor again at the end', async () => {
    const out = output(true);
    const err = output(false);
    const source = frames(2, (i) => `frame ${i}\n`);
    await watch({ ...source, intervalMs: 200, out, err });
    const [first, ...rest] = out.chunks;
    expect(first).toBe('\x1b[?25l\x1b[2J');
    expect(rest[0]).toBe('\x1b[Hframe 0\x1b[K\n\x1b[K\nrefreshing every 0.2 s; Ctrl-C to stop\x1b[K\x1b[J');
    expect(rest[1]).toContain('\x1b[Hframe 1\x1b[K');
    expect(rest.at(-1)).toBe('\x1b[?25h\n');
    expect(err.chunks).toEqual([]);
  });

  it('returns at once when aborted in the middle of a slow frame', async () => {
    const stop = new AbortController();
    const out = output(false);
    const done = watch({
      frame: () => new Promise<string>(() => stop.abort()),
      intervalMs: 1,
      signal: stop.signal,
      out,
      err: output(false),
    });
    await expect(done).resolves.toBe(0);
    expect(out.chunks).toEqual([]);
  });
});
