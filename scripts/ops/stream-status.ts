import { createStreamsClient } from '@cruddur/aws';
import { baseSchema, z } from '@cruddur/config';
import { createDocumentClient } from '@cruddur/ddb';
import { type StreamStatus, sdkStreamsApi, streamStatus } from '@cruddur/stream-consumer';
import { Command, InvalidArgumentError } from 'commander';
import { fail, loadScriptConfig } from '../lib/script-env.ts';
import { textTable } from '../lib/table.ts';
import { watch } from '../lib/watch.ts';

const schema = baseSchema.extend({
  DDB_MESSAGE_TABLE: z.string().min(3).default('cruddur-messages'),
  DDB_LEASE_TABLE: z.string().min(3).default('cruddur-stream-leases'),
});

const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
};

const positiveSeconds = (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0.1)
    throw new InvalidArgumentError('must be a number of seconds, at least 0.1');
  return n;
};

const program = new Command('ops/stream-status')
  .description(
    'Show every shard of the messages table stream with its parent, lease owner, lease age, checkpoint, pending records and lag, and the stream-consumer workers.',
  )
  .option('--json', 'print one JSON document instead of tables (with --watch: one JSON document per line)')
  .option(
    '--watch',
    'refresh until Ctrl-C: in place on a terminal; elsewhere (a pipe, a file) one table per refresh, each with its time. A failed refresh is shown and retried.',
  )
  .option('--interval <seconds>', 'with --watch: seconds between refreshes', positiveSeconds, 2)
  .option('--table <name>', 'messages table (default DDB_MESSAGE_TABLE)')
  .option('--lease-table <name>', 'lease table (default DDB_LEASE_TABLE)')
  .option(
    '--max-pages <n>',
    'GetRecords pages (1000 records each) read after a checkpoint to count pending records',
    positiveInt,
    5,
  )
  .option('--prod', 'target AWS instead of the local DynamoDB')
  .parse();
const opts = program.opts<{
  json?: boolean;
  watch?: boolean;
  interval: number;
  table?: string;
  leaseTable?: string;
  maxPages: number;
  prod?: boolean;
}>();

if (!opts.watch && program.getOptionValueSource('interval') === 'cli') fail('--interval needs --watch');

const config = loadScriptConfig(schema, { prod: opts.prod ?? false });
const endpoint = opts.prod ? undefined : (config.DDB_ENDPOINT ?? 'http://127.0.0.1:8000');
const streams = createStreamsClient({ region: config.AWS_REGION, endpoint });
const ddb = createDocumentClient({ region: config.AWS_REGION, endpoint });
const table = opts.table ?? config.DDB_MESSAGE_TABLE;
const leaseTable = opts.leaseTable ?? config.DDB_LEASE_TABLE;

const read = () =>
  streamStatus({ streams: sdkStreamsApi(streams), ddb, table, leaseTable, maxPages: opts.maxPages });
const what = `the stream status of ${table} (leases in ${leaseTable})`;

if (opts.watch) {
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  await watch({
    frame: async () => {
      const status = await read().catch((err: unknown) => {
        throw new Error(`could not read ${what}: ${err instanceof Error ? err.message : String(err)}`);
      });
      return opts.json ? `${JSON.stringify(status)}\n` : render(status);
    },
    intervalMs: opts.interval * 1000,
    signal: stop.signal,
    out: process.stdout,
    err: process.stderr,
    separator: opts.json ? '' : '\n',
  });
  streams.destroy();
  ddb.destroy();
  // A refresh cut short by Ctrl-C may still hold SDK timers; they must not delay the exit.
  process.exit(0);
}

try {
  const status = await read();
  process.stdout.write(opts.json ? `${JSON.stringify(status, null, 2)}\n` : render(status));
} catch (err) {
  fail(`could not read ${what}`, err);
} finally {
  streams.destroy();
  ddb.destroy();
}

function render(status: StreamStatus): string {
  const ms = (v: number | null) => (v === null ? '-' : v < 10_000 ? `${v} ms` : `${(v / 1000).toFixed(1)} s`);
  const shardRows = status.shards.map((s) => [
    s.shard_id,
    s.parent_shard_id ?? '-',
    s.closed ? 'closed' : 'open',
    s.state,
    s.owner ?? '-',
    ms(s.lease_age_ms),
    s.checkpoint ?? '-',
    s.pending_records === null ? '?' : `${s.pending_records}${s.pending_capped ? '+' : ''}`,
    ms(s.lag_ms),
  ]);
  const workerRows = status.workers.map((w) => [
    w.worker_id,
    w.alive ? 'alive' : 'dead',
    ms(w.heartbeat_age_ms),
    String(w.leases_held),
    `${w.host ?? '-'}:${w.pid ?? '-'}`,
  ]);
  const streamsSeen = new Set(status.shards.map((s) => s.stream_arn));
  return [
    `stream of ${status.table} (${streamsSeen.size} stream${streamsSeen.size === 1 ? '' : 's'}), leases in ${status.lease_table}, at ${status.generated_at}`,
    '',
    textTable(
      ['SHARD', 'PARENT', 'SHARD STATE', 'LEASE', 'OWNER', 'LEASE AGE', 'CHECKPOINT', 'PENDING', 'LAG'],
      shardRows,
    ),
    '',
    `workers: ${status.workers.filter((w) => w.alive).length} alive`,
    textTable(['WORKER', 'STATUS', 'HEARTBEAT AGE', 'LEASES', 'HOST:PID'], workerRows),
    '',
  ].join('\n');
}
