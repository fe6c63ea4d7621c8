import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Logger } from '@cruddur/logger';
import { ManagedProcess } from '../process.ts';
import { DEPENDENCY_LABELS, type Dependency } from './dependency.ts';

const ENTRY = fileURLToPath(new URL('./fauxqs-entry.mjs', import.meta.url));

/** fauxqs: SQS and SNS on one endpoint, in its own Node process so it can be killed like a real broker. */
export class SqsEmulator implements Dependency {
  readonly name = 'sqs' as const;
  private readonly process: ManagedProcess;

  constructor(
    readonly port: number,
    private readonly options: { dataDir?: string | undefined; logger: Logger; logFile?: string | undefined },
  ) {
    this.process = new ManagedProcess('sqs', options.logger, {
      label: DEPENDENCY_LABELS.sqs,
      logFile: options.logFile,
    });
  }

  get pid() {
    return this.process.pid;
  }
  get endpoint() {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (this.options.dataDir) mkdirSync(this.options.dataDir, { recursive: true });
    const args = [ENTRY, String(this.port), ...(this.options.dataDir ? [this.options.dataDir] : [])];
    await this.process.startAndWait(process.execPath, args, {}, `${this.endpoint}/health`);
  }

  stop = () => this.process.stop();
  kill9 = () => this.process.kill9();
}
