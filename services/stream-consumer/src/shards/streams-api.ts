import {
  DescribeStreamCommand,
  type DescribeStreamInput,
  type DescribeStreamOutput,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  type GetRecordsInput,
  type GetRecordsOutput,
  GetShardIteratorCommand,
  type GetShardIteratorInput,
  type GetShardIteratorOutput,
  ListStreamsCommand,
  type ListStreamsInput,
  type ListStreamsOutput,
} from '@aws-sdk/client-dynamodb-streams';

/**
 * The four DynamoDB Streams calls the consumer makes. The AWS client is adapted to it by `sdkStreamsApi`;
 * tests put an in-memory multi-shard stream behind the same interface, because DynamoDB Local has one shard.
 */
export interface StreamsApi {
  listStreams(input: ListStreamsInput): Promise<ListStreamsOutput>;
  describeStream(input: DescribeStreamInput): Promise<DescribeStreamOutput>;
  getShardIterator(input: GetShardIteratorInput): Promise<GetShardIteratorOutput>;
  getRecords(input: GetRecordsInput): Promise<GetRecordsOutput>;
}

export function sdkStreamsApi(client: DynamoDBStreamsClient): StreamsApi {
  return {
    listStreams: (input) => client.send(new ListStreamsCommand(input)),
    describeStream: (input) => client.send(new DescribeStreamCommand(input)),
    getShardIterator: (input) => client.send(new GetShardIteratorCommand(input)),
    getRecords: (input) => client.send(new GetRecordsCommand(input)),
  };
}

export function isStreamsApi(value: StreamsApi | DynamoDBStreamsClient): value is StreamsApi {
  return typeof (value as StreamsApi).getRecords === 'function';
}

export type StreamFault = 'expired_iterator' | 'trimmed' | 'throttled' | 'gone' | 'other';

/**
 * Sorts a streams error into what the shard worker does next: re-acquire the iterator from the checkpoint
 * (expired), jump to the oldest record (trimmed), back off (throttled), give the shard up (gone), or back off
 * and re-acquire (anything else, such as DynamoDB Local restarting under us).
 */
export function classifyStreamError(err: unknown): StreamFault {
  const name = err instanceof Error ? err.name : '';
  switch (name) {
    case 'ExpiredIteratorException':
      return 'expired_iterator';
    case 'TrimmedDataAccessException':
      return 'trimmed';
    case 'LimitExceededException':
    case 'ThrottlingException':
    case 'ProvisionedThroughputExceededException':
    case 'RequestLimitExceeded':
      return 'throttled';
    case 'ResourceNotFoundException':
      return 'gone';
    default:
      return 'other';
  }
}
