import type { BatchWriteCommandInput, BatchWriteCommandOutput } from '@aws-sdk/lib-dynamodb';

/** BatchWriteItem's limit per call. */
export const BATCH_SIZE = 25;

export type SendBatch = (
  input: BatchWriteCommandInput,
) => Promise<Pick<BatchWriteCommandOutput, 'UnprocessedItems'>>;

export interface BatchWriteOptions {
  /** Called with the number of items DynamoDB accepted, after every call. */
  onProgress?: (written: number) => void;
  /** Rounds per chunk before giving up; with the backoff below that is about 25 s of throttling. */
  maxRounds?: number;
  baseDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Puts every item in chunks of 25. DynamoDB may accept only part of a batch (UnprocessedItems, usually
 * under throttling); those are sent again with exponential backoff and jitter until all are written,
 * or the call fails loudly. The reference ignored them and lost items silently.
 */
export async function batchPutAll(
  send: SendBatch,
  table: string,
  items: readonly Record<string, unknown>[],
  {
    onProgress,
    maxRounds = 10,
    baseDelayMs = 50,
    sleep = (ms) => new Promise((r) => setTimeout(r, ms)),
  }: BatchWriteOptions = {},
): Promise<{ written: number; retries: number }> {
  let written = 0;
  let retries = 0;
  for (let i = 0; i < items.length; i += BATCH_SIZE) {
    let pending: NonNullable<BatchWriteCommandInput['RequestItems']>[string] = items
      .slice(i, i + BATCH_SIZE)
      .map((Item) => ({ PutRequest: { Item } }));
    for (let round = 0; pending.length > 0; round++) {
      if (round >= maxRounds)
        throw new Error(`${pending.length} items still unprocessed after ${maxRounds} BatchWriteItem rounds`);
      if (round > 0) {
        retries++;
        await sleep(Math.random() * baseDelayMs * 2 ** round);
      }
      const out = await send({ RequestItems: { [table]: pending } });
      const unprocessed = out.UnprocessedItems?.[table] ?? [];
      written += pending.length - unprocessed.length;
      onProgress?.(pending.length - unprocessed.length);
      pending = unprocessed;
    }
  }
  return { written, retries };
}
