import { type BaseConfig, ConfigError, loadConfig } from '@cruddur/config';
import { createLogger, type Logger } from '@cruddur/logger';
import type { z } from 'zod';
import { ShutdownRegistry } from './shutdown.ts';

/** What every service's start function returns: where it listens, and how to stop it gracefully. */
export interface RunningService {
  url: string;
  port: number;
  /** Stop taking work, finish what is in flight, release what it holds. Safe to call twice. */
  stop(): Promise<void>;
}

export interface ServiceMain<C extends BaseConfig> {
  name: string;
  schema: z.ZodType<C>;
  start: (config: C, options: { logger: Logger }) => Promise<RunningService>;
}

/**
 * The whole of every service's main.ts: config parsed once from the environment, the logger, the
 * service's own start function, and SIGTERM/SIGINT wired to its graceful stop.
 */
export async function runService<C extends BaseConfig>({
  name,
  schema,
  start,
}: ServiceMain<C>): Promise<void> {
  let config: C;
  try {
    config = loadConfig(schema);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // One line an operator can act on, instead of a stack trace.
    process.stderr.write(`${name}: refusing to start: ${err.issues.join('; ')}\n`);
    process.exit(1);
  }
  const logger = createLogger({ name, level: config.LOG_LEVEL, pretty: config.LOG_PRETTY });
  const shutdown = new ShutdownRegistry({ logger, timeoutMs: config.SHUTDOWN_TIMEOUT_MS });
  shutdown.installSignalHandlers();
  const service = await start(config, { logger });
  shutdown.register(name, () => service.stop());
}
