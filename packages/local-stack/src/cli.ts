import { createLogger } from '@cruddur/logger';
import { Command } from 'commander';
import type { DependencyName } from './emulators/dependency.ts';
import { startLocalStack } from './stack.ts';

/**
 * `local-stack [--data-dir DIR] [--only a,b]`: starts the dependencies, prints their endpoints as one JSON
 * line on stdout, and runs until Ctrl-C or SIGTERM, then stops everything it started.
 */
const program = new Command('local-stack')
  .option('--data-dir <dir>', 'keep data on disk here between runs (default: in memory)')
  .option('--only <names>', 'comma-separated subset of postgres,dynamodb,sqs,cognito')
  .parse();
const opts = program.opts<{ dataDir?: string; only?: string }>();

const logger = createLogger({ name: 'local-stack', level: process.env.LOG_LEVEL ?? 'info' });
const stack = await startLocalStack({
  dataDir: opts.dataDir,
  only: opts.only?.split(',') as DependencyName[] | undefined,
  logger,
});

// process.on, not once: tsx exits on a signal by itself when it sees no other listener left.
const stop = (signal: string) => {
  logger.info({ signal }, 'stopping');
  void stack.stop().then(() => process.exit(0));
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
// Printed only once the handlers are in place: whoever reads this line may signal us at once.
process.stdout.write(
  `${JSON.stringify({ endpoints: stack.endpoints, timings: stack.timings, pids: stack.pids() })}\n`,
);
