import { randomUUID } from 'node:crypto';
import { BatchGetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { keys, type MessageItem, messageItem, messageUuidAt } from '@cruddur/ddb';
import { silentLogger } from '@cruddur/logger';
import { MessageStore } from '@cruddur/messaging';
import { startStreamConsumer } from '@cruddur/stream-consumer';
import { conversations, nextTimestamp, StreamBench, waitUntil, writeGroup } from '@cruddur/stream-testing';
import { type Benchmark, chartSamples, figure, percentile } from './lib.ts';

const POLL_INTERVAL_MS = 100;
const GROUP_SIZE = 51;

/**
 * Issue 14: how long an edit or a delete takes to reach every member's inbox preview, from the update committed
 * (as the messaging service's store sends it) until every member's row shows the new text, or (a delete of the
 * newest message) the message before it; beside the new-message freshness of the same run, the same
 * conversations and the same consumer (the message each change is about, sent until every row shows it). For a
 * 1:1 conversation and a group of 51.
 */
export const benchmark: Benchmark = {
  id: 'message-changes',
  area: 'issue 14: messages that change',
  async run(ctx) {
    const samples = ctx.quick ? 5 : 50;
    ctx.log('starting a private DynamoDB Local and SQS/SNS emulator');
    const bench = await StreamBench.start();
    const ddb = bench.ddb();
    try {
      const { table, leaseTable } = await bench.table('bench-changes');
      const store = new MessageStore(ddb, table);
      const [chat] = await conversations(ddb, table, 1);
      const group = await writeGroup(
        ddb,
        table,
        Array.from({ length: GROUP_SIZE }, () => randomUUID()),
      );
      const consumer = await startStreamConsumer(
        bench.config(table, leaseTable, { POLL_INTERVAL_MS: String(POLL_INTERVAL_MS) }),
        { logger: silentLogger },
      );
      await waitUntil(() => consumer.leases().length === 1, 30_000, 20);
      const targets = [
        { label: '1:1', groupUuid: chat!.group, members: [chat!.a, chat!.b], title: undefined },
        {
          label: `group of ${GROUP_SIZE}`,
          groupUuid: group.group,
          members: group.members,
          title: group.title,
        },
      ];
      const figures = [];
      for (const target of targets) {
        ctx.log(`${samples} sends, edits and deletes in a ${target.label} conversation`);
        const rowsAre = async (check: (row: Record<string, unknown>) => boolean) => {
          const out = await ddb.send(
            new BatchGetCommand({
              RequestItems: {
                [table]: {
                  Keys: target.members.map((m) => keys.inbox(m, target.groupUuid)),
                  ProjectionExpression: 'last_message_uuid, last_message_text',
                  ConsistentRead: true,
                },
              },
            }),
          );
          const rows = out.Responses?.[table] ?? [];
          return rows.length === target.members.length && rows.every(check);
        };
        const createdMs: number[] = [];
        const editMs: number[] = [];
        const deleteMs: number[] = [];
        let previous: MessageItem | undefined;
        for (let i = 0; i < samples; i++) {
          const createdAt = nextTimestamp();
          const sent = messageItem({
            groupUuid: target.groupUuid,
            messageUuid: messageUuidAt(createdAt),
            senderUuid: target.members[i % target.members.length]!,
            text: `message ${i} with the length of an ordinary chat line`,
            createdAt,
            members: target.members,
            ...(target.title ? { group: { title: target.title } } : {}),
          });
          let t0 = performance.now();
          await ddb.send(new PutCommand({ TableName: table, Item: sent }));
          await waitUntil(() => rowsAre((r) => r.last_message_uuid === sent.message_uuid), 120_000, 5);
          createdMs.push(performance.now() - t0);

          // Each change starts at a random point of the consumer's poll cycle, as each new message does.
          await pause();
          const text = `message ${i}, edited`;
          const change = {
            groupUuid: target.groupUuid,
            sk: sent.sk,
            senderUuid: sent.sender_uuid,
            at: new Date().toISOString(),
          };
          t0 = performance.now();
          const edited = await store.editMessage({
            ...change,
            seenVersion: 0,
            text,
            notBefore: '2000-01-01T00:00:00.000Z',
          });
          if (!edited.ok) throw new Error(`edit ${i} failed: ${edited.reason}`);
          await waitUntil(() => rowsAre((r) => r.last_message_text === text), 120_000, 5);
          editMs.push(performance.now() - t0);

          // Every other message is deleted, so each delete falls back to the message kept before it.
          if (i % 2 === 1 && previous) {
            const fallback = previous;
            await pause();
            t0 = performance.now();
            const deleted = await store.deleteMessage({ ...change, seenVersion: 1 });
            if (!deleted.ok) throw new Error(`delete ${i} failed: ${deleted.reason}`);
            await waitUntil(() => rowsAre((r) => r.last_message_uuid === fallback.message_uuid), 120_000, 5);
            deleteMs.push(performance.now() - t0);
          } else previous = sent;
          await pause();
        }
        const params = { samples, members: target.members.length, poll_interval_ms: POLL_INTERVAL_MS };
        for (const [what, ms] of [
          ['an edit', editMs],
          ['a delete of the newest message (the preview falls back)', deleteMs],
        ] as const) {
          for (const p of [50, 99])
            figures.push(
              figure({
                name: `${target.label}: ${what} committed until every member's preview shows it, p${p}`,
                unit: 'ms',
                value: round(percentile(ms, p)),
                baseline: {
                  name: `new-message freshness p${p}, same conversation and run`,
                  value: round(percentile(createdMs, p)),
                },
                higherIsBetter: false,
                params: { ...params, changes: ms.length },
                ...(p === 50
                  ? {
                      samples: {
                        label: `${what} until every preview shows it`,
                        value: chartSamples(ms),
                        baseline: chartSamples(createdMs),
                      },
                    }
                  : {}),
              }),
            );
        }
      }
      await consumer.stop();
      return figures;
    } finally {
      ddb.destroy();
      await bench.stop();
    }
  },
};

const round = (v: number) => Math.round(v * 10) / 10;
const pause = () => new Promise((r) => setTimeout(r, Math.random() * POLL_INTERVAL_MS));
