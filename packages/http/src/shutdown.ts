import { createLogger, type Logger } from '@cruddur/logger';

/** A long-running part of a service: an HTTP server, a queue consumer, a shard poller. */
export interface Component {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Runs every registered stop() once, newest first (stop taking work before closing what the work
 * needs), on SIGTERM/SIGINT or when called, within a deadline.
 */
export class ShutdownRegistry {
  private readonly steps: { name: string; stop: () => Promise<void> }[] = [];
  private shuttingDown: Promise<void> | undefined;

  constructor(private readonly options: { logger: Logger; timeoutMs: number }) {}

  register(name: string, stop: () => Promise<void>): void {
    this.steps.push({ name, stop });
  }

  shutdown(reason: string): Promise<void> {
    this.shuttingDown ??= this.run(reason);
    return this.shuttingDown;
  }

  /** Installs signal handlers that shut down and exit; a second signal exits at once. */
  installSignalHandlers(exit: (code: number) => void = (code) => process.exit(code)): void {
    const onSignal = (signal: NodeJS.Signals) => {
      if (this.shuttingDown) {
        this.options.logger.warn({ signal }, 'second signal, exiting now');
        exit(1);
        return;
      }
      this.shutdown(signal).then(
        () => exit(0),
        () => exit(1),
      );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  }

  private async run(reason: string): Promise<void> {
    const { logger, timeoutMs } = this.options;
    logger.info({ reason }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown deadline passed, exiting');
      process.exit(1);
    }, timeoutMs);
    deadline.unref();
    let failed = false;
    for (const step of [...this.steps].reverse()) {
      try {
        await step.stop();
        logger.info({ step: step.name }, 'stopped');
      } catch (err) {
        failed = true;
        logger.error({ err, step: step.name }, 'stop failed');
      }
    }
    clearTimeout(deadline);
    logger.info('shutdown complete');
    if (failed) throw new Error('shutdown had failures');
  }
}

/**
 * The one way every service is assembled: `build` starts each part and registers its stop() with the
 * registry; the handle it returns gets a stop() that runs them all, newest first. A start that fails
 * half-way stops what it had started, so nothing is left listening or polling behind the error.
 * Without a logger from the caller, the service gets its own JSON logger from its config.
 */
export async function assembleService<T extends object>(
  options: {
    name: string;
    config: { LOG_LEVEL: string; LOG_PRETTY: boolean; SHUTDOWN_TIMEOUT_MS: number };
    logger?: Logger | undefined;
  },
  build: (shutdown: ShutdownRegistry, logger: Logger) => Promise<T>,
): Promise<T & { stop(): Promise<void> }> {
  const { name, config } = options;
  const logger = options.logger ?? createLogger({ name, level: config.LOG_LEVEL, pretty: config.LOG_PRETTY });
  const shutdown = new ShutdownRegistry({ logger, timeoutMs: config.SHUTDOWN_TIMEOUT_MS });
  try {
    const parts = await build(shutdown, logger);
    return { ...parts, stop: () => shutdown.shutdown('stop') };
  } catch (err) {
    await shutdown.shutdown('start failed').catch(() => undefined);
    throw err;
  }
}
