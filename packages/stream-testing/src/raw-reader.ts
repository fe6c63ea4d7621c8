import type { _Record } from '@aws-sdk/client-dynamodb-streams';
import { sleep } from '@cruddur/http';
import type { StreamsApi } from '@cruddur/stream-consumer';

/** A raw GetRecords loop over the table's one shard: the floor any consumer of this stream sits on. */
export class RawReader {
  private stopped = false;
  private done: Promise<void> | undefined;
  readonly seen = new Map<string, number>();
  count = 0;
  lastSequence: string | undefined;

  constructor(
    private readonly streams: StreamsApi,
    private readonly streamArn: string,
    private readonly pollIntervalMs: number,
  ) {}

  start(onRecords?: (records: _Record[]) => void): void {
    this.done = (async () => {
      const shardId = (await this.streams.describeStream({ StreamArn: this.streamArn })).StreamDescription!
        .Shards![0]!.ShardId;
      let iterator: string | undefined;
      while (!this.stopped) {
        try {
          iterator ??= (
            await this.streams.getShardIterator({
              StreamArn: this.streamArn,
              ShardId: shardId,
              ShardIteratorType: 'TRIM_HORIZON',
            })
          ).ShardIterator;
          const out = await this.streams.getRecords({ ShardIterator: iterator, Limit: 1000 });
          const records = out.Records ?? [];
          const now = performance.now();
          for (const r of records) {
            const uuid = r.dynamodb?.NewImage?.message_uuid?.S;
            if (uuid) this.seen.set(uuid, now);
          }
          this.count += records.length;
          if (records.length > 0) this.lastSequence = records.at(-1)!.dynamodb!.SequenceNumber;
          onRecords?.(records);
          iterator = out.NextShardIterator;
          if (records.length === 0) await sleep(this.pollIntervalMs);
        } catch (err) {
          // DynamoDB Local's empty-shard quirk; anything else is a real failure of the benchmark.
          if ((err as Error).name !== 'TrimmedDataAccessException') throw err;
          iterator = undefined;
        }
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }
}
