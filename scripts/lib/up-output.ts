import { styleText } from 'node:util';
import { DEPENDENCY_LABELS, StartupError } from '@cruddur/local-stack';
import { createLogger, type DestinationStream, fileDestination, type Logger } from '@cruddur/logger';
import { SEED_USERS } from './seed-users.ts';
import type { StepEvent, StepName } from './system.ts';

/** What each finished step is called on its line. */
const STEP_LABELS: Record<StepName, string> = {
  ...DEPENDENCY_LABELS,
  dependencies: 'dependencies',
  build: 'service bundles (esbuild, when sources changed)',
  provision: 'queues, topic, user pool and service keys',
  schemas: 'schemas: users migrations, DynamoDB tables',
  services: 'services: users, messaging, stream-consumer, gateway',
  seed: `seed: ${SEED_USERS.length} users and their conversations`,
};

/** The label and time columns line up for labels up to this long. */
const LABEL_WIDTH = 54;

export interface LineStyle {
  color: boolean;
}

const paint = (format: Parameters<typeof styleText>[0], text: string, { color }: LineStyle) =>
  color ? styleText(format, text, { validateStream: false }) : text;

/** `850` is `0.9s`: one decimal is what a person reads at a glance. */
export function formatDuration(ms: number): string {
  // Rounded in integers: 0.85.toFixed(1) is "0.8" in binary floating point.
  return `${(Math.round(ms / 100) / 10).toFixed(1)}s`;
}

/** One finished step, e.g. `  ✔ DynamoDB Local on :8000      3.4s`. */
export function stepLine(event: Extract<StepEvent, { state: 'done' }>, style: LineStyle): string {
  const label = `${STEP_LABELS[event.step]}${event.port === undefined ? '' : ` on :${event.port}`}`;
  return `  ${paint('green', '✔', style)} ${label.padEnd(LABEL_WIDTH)} ${paint('dim', formatDuration(event.ms).padStart(6), style)}`;
}

/**
 * The one line a failed start ends with: what failed and what to do. A StartupError says both itself;
 * anything else (a bug, an unexpected answer) is named by its step and first line, the rest is in the log.
 */
export function failureLine(
  err: unknown,
  { step, logFile, tty, color }: { step?: StepName | undefined; logFile: string; tty: boolean } & LineStyle,
): string {
  const mark = tty ? `  ${paint('red', '✖', { color })}` : 'error:';
  if (err instanceof StartupError) return `${mark} ${err.message}; ${err.hint}`;
  const what = step ? `${step} failed` : 'start failed';
  const first = (err instanceof Error ? err.message : String(err)).split('\n')[0];
  return `${mark} ${what}: ${first}; the full error is in ${logFile}`;
}

/** A stream `up` writes to, and the bits of a terminal it asks about. */
export type OutputStream = DestinationStream & { isTTY?: boolean; hasColors?: () => boolean };

export interface UpOutput {
  /** True when stdout is a terminal: step lines there, JSON only in the log file. */
  tty: boolean;
  /** up's own JSON log: always into the log file, and onto stdout as well when stdout is not a terminal. */
  logger: Logger;
  starting(): void;
  onStep(event: StepEvent): void;
  /** Logs the whole error and prints the one failure line on stderr. */
  failed(err: unknown): void;
}

/**
 * How `scripts/up` talks: on a terminal, one line per step with its time; elsewhere (CI, a pipe, a
 * file) the JSON log lines it always printed, so tools that read them keep working.
 */
export function createUpOutput({
  stdout,
  stderr,
  logFile,
}: {
  stdout: OutputStream;
  stderr: { write(text: string): unknown };
  logFile: string;
}): UpOutput {
  const tty = stdout.isTTY === true;
  const style = { color: tty && stdout.hasColors?.() === true };
  const file = fileDestination(logFile);
  const logger = createLogger({ name: 'up', level: 'info', destinations: tty ? [file] : [file, stdout] });
  let failedStep: StepName | undefined;
  return {
    tty,
    logger,
    starting() {
      if (tty) stdout.write('\n  Starting Cruddur messaging\n\n');
    },
    onStep(event) {
      if (event.state === 'failed') {
        failedStep = event.step;
        return;
      }
      // `dependencies` is the sum of the four lines just printed.
      if (tty && event.step !== 'dependencies') stdout.write(`${stepLine(event, style)}\n`);
    },
    failed(err) {
      logger.error({ err, step: failedStep }, 'start failed');
      stderr.write(`${failureLine(err, { step: failedStep, logFile, tty, ...style })}\n`);
    },
  };
}
