import type {
  _Record,
  DescribeStreamInput,
  DescribeStreamOutput,
  GetRecordsInput,
  GetRecordsOutput,
  GetShardIteratorInput,
  GetShardIteratorOutput,
  ListStreamsInput,
  ListStreamsOutput,
} from '@aws-sdk/client-dynamodb-streams';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { StreamsApi } from '@cruddur/stream-consumer';

interface ShardState {
  id: string;
  parent: string | undefined;
  records: _Record[];
  /** Records before this index have been trimmed away. */
  trimmed: number;
  closed: boolean;
}

export interface ReadLogEntry {
  shardId: string;
  count: number;
  /** The last call on a closed shard: NextShardIterator was absent. */
  ended: boolean;
}

function awsError(name: string, message = name): Error {
  return Object.assign(new Error(message), { name });
}

/**
 * A multi-shard DynamoDB stream in memory, behind the same StreamsApi the worker uses, because DynamoDB Local
 * always has exactly one shard. It keeps the semantics the worker relies on: global sequence numbers, parent
 * links, closed shards ending with no NextShardIterator, paginated DescribeStream, trimming
 * (TrimmedDataAccessException), iterator expiry (ExpiredIteratorException), and injected throttling.
 */
export class InMemoryStream implements StreamsApi {
  readonly streamArn: string;
  private readonly shards = new Map<string, ShardState>();
  private sequence = 0;
  /** Iterators issued before this epoch are expired. */
  private epoch = 0;
  private readonly faults: { op: 'getRecords' | 'getShardIterator'; error: Error }[] = [];
  readonly reads: ReadLogEntry[] = [];

  constructor(
    private readonly tableName: string,
    private readonly pageSize = 2,
  ) {
    this.streamArn = `arn:aws:dynamodb:ddblocal:000000000000:table/${tableName}/stream/2026-01-01T00:00:00.000`;
  }

  addShard(id: string, parent?: string): this {
    this.shards.set(id, { id, parent, records: [], trimmed: 0, closed: false });
    return this;
  }

  closeShard(id: string): void {
    this.shard(id).closed = true;
  }

  /** Appends an INSERT of `item` to a shard; returns its sequence number. */
  put(
    shardId: string,
    item: Record<string, unknown>,
    eventName: 'INSERT' | 'MODIFY' | 'REMOVE' = 'INSERT',
  ): string {
    const shard = this.shard(shardId);
    if (shard.closed) throw new Error(`shard ${shardId} is closed`);
    const sequenceNumber = String(++this.sequence).padStart(21, '0');
    const image = marshall(item, { removeUndefinedValues: true });
    shard.records.push({
      eventID: `ev-${sequenceNumber}`,
      eventName,
      eventSource: 'aws:dynamodb',
      dynamodb: {
        ApproximateCreationDateTime: new Date(),
        Keys: { pk: image.pk!, sk: image.sk! } as never,
        NewImage: eventName === 'REMOVE' ? undefined : (image as never),
        SequenceNumber: sequenceNumber,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    });
    return sequenceNumber;
  }

  /** Drops the oldest `count` records of a shard, as the 24 h retention does. */
  trim(shardId: string, count: number): void {
    const shard = this.shard(shardId);
    shard.trimmed = Math.min(shard.records.length, shard.trimmed + count);
  }

  /** Every iterator issued so far stops working, as after 15 minutes. */
  expireIterators(): void {
    this.epoch++;
  }

  /** The next call of `op` fails with an AWS-named error (ThrottlingException, LimitExceededException, ...). */
  failNext(op: 'getRecords' | 'getShardIterator', errorName: string, times = 1): void {
    for (let i = 0; i < times; i++) this.faults.push({ op, error: awsError(errorName) });
  }

  async listStreams(input: ListStreamsInput): Promise<ListStreamsOutput> {
    return {
      Streams:
        input.TableName === this.tableName ? [{ StreamArn: this.streamArn, TableName: this.tableName }] : [],
    };
  }

  async describeStream(input: DescribeStreamInput): Promise<DescribeStreamOutput> {
    this.checkArn(input.StreamArn);
    const all = [...this.shards.values()];
    const start = input.ExclusiveStartShardId
      ? all.findIndex((s) => s.id === input.ExclusiveStartShardId) + 1
      : 0;
    const page = all.slice(start, start + this.pageSize);
    const more = start + this.pageSize < all.length;
    return {
      StreamDescription: {
        StreamArn: this.streamArn,
        StreamStatus: 'ENABLED',
        TableName: this.tableName,
        Shards: page.map((s) => ({
          ShardId: s.id,
          ParentShardId: s.parent,
          SequenceNumberRange: {
            StartingSequenceNumber: s.records[0]?.dynamodb?.SequenceNumber ?? '0',
            EndingSequenceNumber: s.closed ? (s.records.at(-1)?.dynamodb?.SequenceNumber ?? '0') : undefined,
          },
        })),
        LastEvaluatedShardId: more ? page.at(-1)?.id : undefined,
      },
    };
  }

  async getShardIterator(input: GetShardIteratorInput): Promise<GetShardIteratorOutput> {
    this.checkArn(input.StreamArn);
    this.injected('getShardIterator');
    const shard = this.shard(input.ShardId!);
    let position: number;
    switch (input.ShardIteratorType) {
      case 'TRIM_HORIZON':
        position = shard.trimmed;
        break;
      case 'LATEST':
        position = shard.records.length;
        break;
      case 'AT_SEQUENCE_NUMBER':
      case 'AFTER_SEQUENCE_NUMBER': {
        const index = shard.records.findIndex((r) => r.dynamodb?.SequenceNumber === input.SequenceNumber);
        if (index < 0)
          throw awsError('ValidationException', `no record ${input.SequenceNumber} in ${shard.id}`);
        position = input.ShardIteratorType === 'AT_SEQUENCE_NUMBER' ? index : index + 1;
        if (position < shard.trimmed) throw awsError('TrimmedDataAccessException');
        break;
      }
      default:
        throw awsError('ValidationException', `bad iterator type ${input.ShardIteratorType}`);
    }
    return { ShardIterator: this.iterator(shard.id, position) };
  }

  async getRecords(input: GetRecordsInput): Promise<GetRecordsOutput> {
    this.injected('getRecords');
    const { shardId, position, epoch } = JSON.parse(
      Buffer.from(input.ShardIterator!, 'base64url').toString(),
    ) as {
      shardId: string;
      position: number;
      epoch: number;
    };
    if (epoch !== this.epoch) throw awsError('ExpiredIteratorException', 'Iterator expired');
    const shard = this.shard(shardId);
    if (position < shard.trimmed) throw awsError('TrimmedDataAccessException');
    const records = shard.records.slice(position, position + Math.min(input.Limit ?? 1000, 1000));
    const next = position + records.length;
    const ended = shard.closed && next >= shard.records.length;
    this.reads.push({ shardId, count: records.length, ended });
    return { Records: records, NextShardIterator: ended ? undefined : this.iterator(shardId, next) };
  }

  private iterator(shardId: string, position: number): string {
    return Buffer.from(JSON.stringify({ shardId, position, epoch: this.epoch })).toString('base64url');
  }

  private injected(op: 'getRecords' | 'getShardIterator'): void {
    const index = this.faults.findIndex((f) => f.op === op);
    if (index >= 0) throw this.faults.splice(index, 1)[0]!.error;
  }

  private checkArn(arn: string | undefined): void {
    if (arn !== this.streamArn) throw awsError('ResourceNotFoundException', `no stream ${arn}`);
  }

  private shard(id: string): ShardState {
    const shard = this.shards.get(id);
    if (!shard) throw awsError('ResourceNotFoundException', `no shard ${id}`);
    return shard;
  }
}
