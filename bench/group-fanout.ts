import { randomUUID } from 'node:crypto';
import { BatchGetCommand, GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys, messageItem, type NewMessage } from '@cruddur/ddb';
import { silentLogger } from '@cruddur/logger';
import { buildAppendMessage } from '@cruddur/messaging';
import { buildAdvanceInbox, startStreamConsumer } from '@cruddur/stream-consumer';
import {
  measureFreshness,
  metricTotal,
  nextTimestamp,
  StreamBench,
  waitUntil,
  writeGroup,
} from '@cruddur/stream-testing';
import { type Benchmark, chartSamples, figure, percentile } from './lib.ts';

const POLL_INTERVAL_MS = 100;
const GROUP_SIZE = 51;

/**
 * Issue 13: inbox freshness of a 50-member group (51 with the sender's creator), the send transaction until every
 * member's row shows the message, beside the 1:1 figure and the raw stream floor of the same run on the same
 * private DynamoDB Local; and what a group message costs in write units: the send transaction (as the messaging
 * service builds it) and the stream consumer's inbox updates, both from ReturnConsumedCapacity.
 */
export const benchmark: Benchmark = {
  id: 'group-fanout',
  area: 'issue 13: group conversations',
  async run(ctx) {
    const samples = ctx.quick ? 10 : 100;
    ctx.log('starting a private DynamoDB Local and SQS/SNS emulator');
    const bench = await StreamBench.start();
    const ddb = bench.ddb();
    try {
      ctx.log(`raw floor and 1:1 freshness, ${samples} messages each`);
      const direct = await measureFreshness(bench, samples, POLL_INTERVAL_MS);

      const { table, leaseTable } = await bench.table('bench-group');
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
      const rowShows = async (owner: string, messageUuid: string) =>
        (
          await ddb.send(
            new GetCommand({
              TableName: table,
              Key: keys.inbox(owner, group.group),
              ProjectionExpression: 'last_message_uuid',
            }),
          )
        ).Item?.last_message_uuid === messageUuid;
      const rowsShow = async (messageUuid: string) => {
        const out = await ddb.send(
          new BatchGetCommand({
            RequestItems: {
              [table]: {
                Keys: group.members.map((m) => keys.inbox(m, group.group)),
                ProjectionExpression: 'last_message_uuid',
                ConsistentRead: true,
              },
            },
          }),
        );
        const rows = out.Responses?.[table] ?? [];
        return rows.length === group.members.length && rows.every((r) => r.last_message_uuid === messageUuid);
      };
      // The first message's records are applied before measuring, so each sample is one message's fan-out.
      await waitUntil(
        async () => (await metricTotal(consumer.url, 'stream_consumer_records_total')) >= 1,
        30_000,
        20,
      );
      const unitsBefore = await metricTotal(consumer.url, 'stream_consumer_inbox_write_units_total');
      ctx.log(`${samples} messages to a group of ${GROUP_SIZE}`);
      const groupMs: number[] = [];
      const sendUnits: number[] = [];
      for (let i = 0; i < samples; i++) {
        const message: NewMessage = {
          groupUuid: group.group,
          messageUuid: randomUUID(),
          senderUuid: group.members[i % GROUP_SIZE]!,
          text: `group message ${i} with the length of an ordinary chat line`,
          createdAt: nextTimestamp(),
          members: group.members,
          group: { title: group.title },
        };
        const send = buildAppendMessage(table, {
          message,
          stateKey: group.stateKey,
          relations: { version: undefined },
        });
        const t0 = performance.now();
        const out = await ddb.send(
          new TransactWriteCommand({ ...send.input, ReturnConsumedCapacity: 'TOTAL' }),
        );
        sendUnits.push(out.ConsumedCapacity?.reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0) ?? 0);
        // One row first, cheaply (the consumer writes all rows at once), then all of them: polling 51 rows every few
        // milliseconds for the whole wait would load DynamoDB Local and slow the very fan-out being measured.
        await waitUntil(() => rowShows(group.members.at(-1)!, message.messageUuid), 120_000, 2);
        await waitUntil(() => rowsShow(message.messageUuid), 120_000, 5);
        groupMs.push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, Math.random() * POLL_INTERVAL_MS));
      }
      await waitUntil(
        async () => (await metricTotal(consumer.url, 'stream_consumer_records_total')) >= samples + 1,
        30_000,
        20,
      );
      const consumerUnits =
        ((await metricTotal(consumer.url, 'stream_consumer_inbox_write_units_total')) - unitsBefore) /
        samples;
      await consumer.stop();

      // The fan-out's floor on this DynamoDB Local: the same 51 conditional row updates the consumer sends for a
      // message, all at once, with nothing else running.
      ctx.log(`raw fan-out: ${samples} rounds of ${GROUP_SIZE} parallel conditional UpdateItems`);
      const rawFanOutMs: number[] = [];
      for (let i = 0; i < samples; i++) {
        const item = messageItem({
          groupUuid: group.group,
          messageUuid: randomUUID(),
          senderUuid: group.members[i % GROUP_SIZE]!,
          text: `raw fan-out ${i}`,
          createdAt: nextTimestamp(),
          members: group.members,
          group: { title: group.title },
        });
        const t0 = performance.now();
        await Promise.all(
          group.members.map((owner) =>
            ddb.send(
              new UpdateCommand(
                buildAdvanceInbox({
                  table,
                  owner,
                  message: item,
                  unreadIncrement: owner === item.sender_uuid ? 0 : 1,
                }),
              ),
            ),
          ),
        );
        rawFanOutMs.push(performance.now() - t0);
      }

      const params = { samples, group_size: GROUP_SIZE, poll_interval_ms: POLL_INTERVAL_MS };
      const fanOut = [50, 99].map((p) =>
        figure({
          name: `raw fan-out p${p}: ${GROUP_SIZE} parallel conditional UpdateItems of the rows (no stream, no consumer)`,
          unit: 'ms',
          value: round(percentile(rawFanOutMs, p)),
          baseline: {
            name: `raw p${p}: PutItem until a GetRecords loop sees it`,
            value: round(percentile(direct.rawMs, p)),
          },
          higherIsBetter: false,
          params,
        }),
      );
      const freshness = [50, 99].flatMap((p) => [
        figure({
          name: `group of ${GROUP_SIZE} freshness p${p}: send until every member's row shows it`,
          unit: 'ms',
          value: round(percentile(groupMs, p)),
          baseline: {
            name: `1:1 freshness p${p} (both rows), same run`,
            value: round(percentile(direct.consumerMs, p)),
          },
          higherIsBetter: false,
          params,
          ...(p === 50
            ? {
                samples: {
                  label: 'freshness per message',
                  value: chartSamples(groupMs),
                  baseline: chartSamples(direct.consumerMs),
                },
              }
            : {}),
        }),
        figure({
          name: `group of ${GROUP_SIZE} freshness p${p} over the raw stream floor`,
          unit: 'ms',
          value: round(percentile(groupMs, p)),
          baseline: {
            name: `raw p${p}: PutItem until a GetRecords loop sees it`,
            value: round(percentile(direct.rawMs, p)),
          },
          higherIsBetter: false,
          params,
        }),
      ]);
      const sendPerMessage = sendUnits.reduce((a, b) => a + b, 0) / samples;
      return [
        ...freshness,
        ...fanOut,
        figure({
          name: `write units per group message: stream consumer's inbox updates (${GROUP_SIZE} rows, LSI included)`,
          unit: 'WCU',
          value: round(consumerUnits),
          baseline: { name: 'rows updated per message', value: GROUP_SIZE },
          higherIsBetter: false,
          params,
        }),
        figure({
          name: 'write units per group message: the send transaction (membership check and message item)',
          unit: 'WCU',
          value: round(sendPerMessage),
          baseline: { name: "the stream consumer's inbox updates for it", value: round(consumerUnits) },
          higherIsBetter: false,
          params,
        }),
      ];
    } finally {
      ddb.destroy();
      await bench.stop();
    }
  },
};

const round = (v: number) => Math.round(v * 10) / 10;
