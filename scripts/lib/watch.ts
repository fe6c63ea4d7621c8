import { setTimeout as sleep } from 'node:timers/promises';

/** Where frames go: a terminal (refreshed in place) or anything else (one frame after another). */
export interface WatchOutput {
  isTTY?: boolean;
  write(chunk: string): unknown;
}

export interface WatchOptions {
  /** Builds one frame (its text ends with a newline). A rejection is shown instead and the watch goes on. */
  frame: () => Promise<string>;
  intervalMs: number;
  /** Aborted on Ctrl-C: the watch returns at once, even in the middle of a frame. */
  signal: AbortSignal;
  out: WatchOutput;
  /** Off a terminal, failed refreshes go here so the frames on `out` stay parseable. */
  err: WatchOutput;
  /** Off a terminal, what goes between two frames (a blank line for tables, nothing for JSON lines). */
  separator?: string;
}

// ANSI control sequences: cursor home, clear to end of line, clear to end of screen, hide/show cursor.
const HOME = '\x1b[H';
const CLEAR_LINE = '\x1b[K';
const CLEAR_BELOW = '\x1b[J';
const CLEAR_SCREEN = '\x1b[2J';
const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Shows `frame()` every `intervalMs` until `signal` aborts; returns how many refreshes ran. On a terminal
 * each frame overwrites the last one in place (line by line, so nothing flickers) with a footer saying how
 * to stop; elsewhere (a pipe, a file, CI) frames follow one another. The next refresh starts `intervalMs`
 * after the previous one finished, so a slow read never piles refreshes up.
 */
export async function watch(options: WatchOptions): Promise<number> {
  const { out, err, signal, intervalMs } = options;
  const tty = out.isTTY === true;
  const aborted = new Promise<'aborted'>((resolve) => {
    if (signal.aborted) resolve('aborted');
    signal.addEventListener('abort', () => resolve('aborted'), { once: true });
  });
  const every = `${intervalMs / 1000} s`;
  if (tty) out.write(HIDE_CURSOR + CLEAR_SCREEN);
  let refreshes = 0;
  let shown = 0;
  try {
    while (!signal.aborted) {
      let text: string;
      let failed = false;
      try {
        const result = await Promise.race([options.frame(), aborted]);
        if (result === 'aborted') break;
        text = result;
      } catch (e) {
        failed = true;
        text = `error: ${message(e)} (trying again in ${every})\n`;
      }
      refreshes++;
      if (tty) {
        const footer = `refreshing every ${every}; Ctrl-C to stop`;
        const lines = `${text}\n${footer}`.split('\n');
        out.write(HOME + lines.map((l) => l + CLEAR_LINE).join('\n') + CLEAR_BELOW);
      } else if (failed) {
        err.write(text);
      } else {
        out.write(shown++ > 0 ? (options.separator ?? '') + text : text);
      }
      await sleep(intervalMs, undefined, { signal }).catch(() => undefined);
    }
  } finally {
    if (tty) out.write(`${SHOW_CURSOR}\n`);
  }
  return refreshes;
}
