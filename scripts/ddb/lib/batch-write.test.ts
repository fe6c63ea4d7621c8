import { describe, expect, it } from 'vitest';
import { BATCH_SIZE, batchPutAll, type SendBatch } from './batch-write.ts';

// DynamoDB Local never returns UnprocessedItems, so the retry loop is checked here with a sender that
// answers like a throttled table; the real writes are covered by seed.int.test.ts.
function throttledSender(dropPerCall: number[]) {
  const calls: number[] = [];
  const stored: unknown[] = [];
  const send: SendBatch = async (input) => {
    const requests = input.RequestItems!.t!;
    calls.push(requests.length);
    const drop = Math.min(dropPerCall.shift() ?? 0, requests.length);
    const accepted = requests.slice(0, requests.length - drop);
    stored.push(...accepted.map((r) => r.PutRequest!.Item));
    return drop ? { UnprocessedItems: { t: requests.slice(requests.length - drop) } } : {};
  };
  return { send, calls, stored };
}

const noSleep = async () => {};
const items = (n: number) => Array.from({ length: n }, (_, i) => ({ pk: `p${i}`, sk: 's' }));

describe('batchPutAll', () => {
  it('writes in chunks of 25', async () => {
    const sender = throttledSender([]);
    const progress: number[] = [];
    const result = await batchPutAll(sender.send, 't', items(60), {
      sleep: noSleep,
      onProgress: (n) => progress.push(n),
    });
    expect(sender.calls).toEqual([BATCH_SIZE, BATCH_SIZE, 10]);
    expect(result).toEqual({ written: 60, retries: 0 });
    expect(progress.reduce((a, b) => a + b, 0)).toBe(60);
  });

  it('sends unprocessed items again until every item is stored exactly once', async () => {
    const sender = throttledSender([10, 4, 0, 25]);
    const delays: number[] = [];
    const result = await batchPutAll(sender.send, 't', items(30), {
      sleep: async (ms) => {
        delays.push(ms);
      },
    });
    expect(sender.calls).toEqual([25, 10, 4, 5, 5]);
    expect(result.written).toBe(30);
    expect(result.retries).toBe(3);
    expect(new Set(sender.stored.map((i) => (i as { pk: string }).pk)).size).toBe(30);
    expect(sender.stored).toHaveLength(30);
    expect(delays).toHaveLength(3);
  });

  it('gives up loudly when a table keeps refusing', async () => {
    const sender = throttledSender(Array(20).fill(25));
    await expect(batchPutAll(sender.send, 't', items(25), { sleep: noSleep, maxRounds: 4 })).rejects.toThrow(
      /25 items still unprocessed after 4/,
    );
  });
});
