import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand } from '@aws-sdk/client-sns';
import { createSnsClient, createSqsClient } from '@cruddur/aws';
import { createEvent, type EventEnvelope } from '@cruddur/contracts';
import { createDocumentClient } from '@cruddur/ddb';
import { startLocalStack } from '@cruddur/local-stack';
import { connectionTableDefinition, createPushPublisher, type DeliveryMode } from '@cruddur/realtime';
import { type Benchmark, chartSamples, figure, percentile } from './lib.ts';

const REPLICA_PROCESS = fileURLToPath(new URL('./lib/fanout-replica-process.ts', import.meta.url));
const REGION = 'us-east-1';

interface ReplicaReport {
  received: number;
  delivered: number;
  cpuMicros: number;
  latencies: number[];
}

interface ModeResult {
  mode: DeliveryMode;
  perReplica: (ReplicaReport & { connections: number })[];
  published: number;
}

/** Waits for one IPC message of `type` from a replica process. */
async function reply<T>(child: ChildProcess, type: string): Promise<T> {
  for (;;) {
    const [message] = (await once(child, 'message')) as [{ type: string } & T];
    if (message.type === type) return message;
  }
}

/** Sends a command to a replica process and waits for its answer. */
function ask<T>(child: ChildProcess, command: string, answer: string): Promise<T> {
  const answered = reply<T>(child, answer);
  child.send(command);
  return answered;
}

/** Users over replicas unevenly (replica i holds i+1 shares), so "grows with its own connections" shows in one run. */
function spread(users: string[], replicas: number): string[][] {
  const weights = Array.from({ length: replicas }, (_, i) => i + 1);
  const total = weights.reduce((a, b) => a + b, 0);
  const out: string[][] = weights.map(() => []);
  let next = 0;
  weights.forEach((w, i) => {
    const count = i === replicas - 1 ? users.length - next : Math.round((users.length * w) / total);
    out[i] = users.slice(next, next + count);
    next += count;
  });
  return out;
}

/** What the stream consumer publishes for one 1:1 message: message.created and both members' inbox.updated. */
function messageEvents(a: string, b: string): EventEnvelope[] {
  const group = crypto.randomUUID();
  const now = new Date().toISOString();
  const last = { uuid: crypto.randomUUID(), text: 'hi', created_at: now, sender_uuid: a };
  const traceId = 'fanout-bench';
  return [
    createEvent(
      'message.created',
      {
        message_group_uuid: group,
        message_uuid: last.uuid,
        sender_uuid: a,
        members: [a, b],
        message: 'hi',
        created_at: now,
      },
      { traceId },
    ),
    ...[a, b].map((owner) =>
      createEvent(
        'inbox.updated',
        {
          owner_uuid: owner,
          message_group_uuid: group,
          other_user_uuid: owner === a ? b : a,
          last_message: last,
          unread_count: owner === a ? 0 : 1,
        },
        { traceId },
      ),
    ),
  ];
}

/**
 * Issue 18: R simulated gateway replicas (processes running the gateway's own queue feed, hub and connection
 * tracker) with U users connected over them unevenly, a fixed rate of 1:1 messages published as the stream consumer
 * publishes them, once with the topic broadcast and once targeted through the connection registry, in the same
 * run on the same private emulators. Per replica: events received and CPU per delivered push; overall: delivery
 * latency p50/p99 (publish to the hub's delivery, one clock).
 */
export const benchmark: Benchmark = {
  id: 'realtime-fanout',
  area: 'issue 18: real-time delivery',
  async run(ctx) {
    const replicas = 8;
    const users = ctx.quick ? 80 : 800;
    const ratePerSecond = ctx.quick ? 4 : 10;
    const seconds = ctx.quick ? 3 : 20;
    ctx.log('starting a private DynamoDB Local and SQS/SNS emulator');
    const stack = await startLocalStack({ only: ['dynamodb', 'sqs'] });
    const { dynamodbEndpoint: ddbEndpoint, sqsEndpoint } = stack.endpoints;
    const sqs = createSqsClient({ region: REGION, endpoint: sqsEndpoint });
    const sns = createSnsClient({ region: REGION, endpoint: sqsEndpoint });
    const ddb = createDocumentClient({ region: REGION, endpoint: ddbEndpoint });
    const admin = new DynamoDBClient({ region: REGION, endpoint: ddbEndpoint });
    try {
      const results: ModeResult[] = [];
      for (const mode of ['broadcast', 'targeted'] as const) {
        const connectionTable = `bench-connections-${mode}`;
        await admin.send(new CreateTableCommand(connectionTableDefinition(connectionTable)));
        const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: `bench-fanout-${mode}` }));
        const everyone = Array.from({ length: users }, () => crypto.randomUUID());
        const assignment = spread(everyone, replicas);
        ctx.log(`${mode}: starting ${replicas} replica processes with ${users} users`);
        const children = assignment.map(() =>
          fork(REPLICA_PROCESS, [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' }),
        );
        await Promise.all(
          children.map((child, i) => {
            child.send({
              mode,
              replicaId: `${mode.slice(0, 1)}${i}-${Date.now().toString(36)}`,
              users: assignment[i],
              ddbEndpoint,
              sqsEndpoint,
              topicArn: TopicArn,
              connectionTable,
            });
            return reply(child, 'ready');
          }),
        );
        const publisher = createPushPublisher({ mode, sqs, sns, topicArn: TopicArn!, ddb, connectionTable });
        await Promise.all(children.map((c) => ask(c, 'reset', 'reset')));
        ctx.log(`${mode}: ${ratePerSecond} messages/s for ${seconds} s`);
        const total = ratePerSecond * seconds;
        const started = Date.now();
        const sends: Promise<void>[] = [];
        for (let n = 0; n < total; n++) {
          const due = started + (n * 1000) / ratePerSecond;
          const wait = due - Date.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          const a = everyone[Math.floor(Math.random() * users)]!;
          let b = a;
          while (b === a) b = everyone[Math.floor(Math.random() * users)]!;
          // Open loop: a slow publish does not hold back the next message.
          sends.push(publisher.publish(messageEvents(a, b)));
        }
        await Promise.all(sends);
        // Every event published was for two connected users: wait until each was delivered to both.
        const expected = total * 4; // message.created to 2 members + 2 inbox.updated to 1 each
        const deadline = Date.now() + 30_000;
        let reports: ReplicaReport[] = [];
        for (;;) {
          reports = await Promise.all(children.map((c) => ask<ReplicaReport>(c, 'report', 'report')));
          const delivered = reports.reduce((s, r) => s + r.delivered, 0);
          if (delivered >= expected || Date.now() > deadline) break;
          await new Promise((r) => setTimeout(r, 250));
        }
        await Promise.all(children.map((c) => ask(c, 'stop', 'stopped')));
        results.push({
          mode,
          published: total * 3,
          perReplica: reports.map((r, i) => ({ ...r, connections: assignment[i]!.length })),
        });
      }
      const [broadcast, targeted] = results as [ModeResult, ModeResult];
      const params = { replicas, users, messages_per_second: ratePerSecond, seconds, events_per_message: 3 };
      const perReplicaLine = (r: ModeResult) =>
        r.perReplica
          .map(
            (p) =>
              `${p.connections}c:${p.received}r/${p.delivered}d/${(p.cpuMicros / Math.max(1, p.delivered)).toFixed(0)}us`,
          )
          .join(' ');
      for (const r of results)
        ctx.log(`${r.mode} per replica (connections:received/delivered/CPU per push): ${perReplicaLine(r)}`);
      const sum = (r: ModeResult, f: (p: ModeResult['perReplica'][number]) => number) =>
        r.perReplica.reduce((s, p) => s + f(p), 0);
      const latencies = (r: ModeResult) => r.perReplica.flatMap((p) => p.latencies).sort((a, b) => a - b);
      const cpuPerPush = (r: ModeResult) =>
        sum(r, (p) => p.cpuMicros) /
        Math.max(
          1,
          sum(r, (p) => p.delivered),
        );
      const smallest = (r: ModeResult) => r.perReplica[0]!;
      const largest = (r: ModeResult) => r.perReplica.at(-1)!;
      const detail = {
        ...params,
        broadcast_per_replica: perReplicaLine(broadcast),
        targeted_per_replica: perReplicaLine(targeted),
      };
      const [tLat, bLat] = [latencies(targeted), latencies(broadcast)];
      return [
        figure({
          name: 'events received per replica (mean), targeted vs broadcast',
          unit: 'events',
          value: sum(targeted, (p) => p.received) / replicas,
          baseline: { name: 'broadcast', value: sum(broadcast, (p) => p.received) / replicas },
          higherIsBetter: false,
          params: detail,
        }),
        figure({
          name: `events received by the replica with the fewest connections (${smallest(targeted).connections})`,
          unit: 'events',
          value: smallest(targeted).received,
          baseline: { name: 'broadcast', value: smallest(broadcast).received },
          higherIsBetter: false,
          params,
        }),
        figure({
          name: `events received by the replica with the most connections (${largest(targeted).connections})`,
          unit: 'events',
          value: largest(targeted).received,
          baseline: { name: 'broadcast', value: largest(broadcast).received },
          higherIsBetter: false,
          params,
        }),
        figure({
          name: 'replica CPU per delivered push, all replicas',
          unit: 'µs',
          value: cpuPerPush(targeted),
          baseline: { name: 'broadcast', value: cpuPerPush(broadcast) },
          higherIsBetter: false,
          params,
        }),
        figure({
          name: 'delivery latency p50, publish to hub',
          unit: 'ms',
          value: percentile(tLat, 50),
          baseline: { name: 'broadcast', value: percentile(bLat, 50) },
          higherIsBetter: false,
          params,
          samples: { label: 'delivery latency', value: chartSamples(tLat), baseline: chartSamples(bLat) },
        }),
        figure({
          name: 'delivery latency p99, publish to hub',
          unit: 'ms',
          value: percentile(tLat, 99),
          baseline: { name: 'broadcast', value: percentile(bLat, 99) },
          higherIsBetter: false,
          params,
        }),
        figure({
          name: 'pushes delivered (of 4 per message)',
          unit: 'pushes',
          value: sum(targeted, (p) => p.delivered),
          baseline: { name: 'broadcast', value: sum(broadcast, (p) => p.delivered) },
          higherIsBetter: true,
          params,
        }),
      ];
    } finally {
      sqs.destroy();
      sns.destroy();
      ddb.destroy();
      admin.destroy();
      await stack.stop();
    }
  },
};
