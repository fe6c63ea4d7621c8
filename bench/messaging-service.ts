import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient, messageTableDefinition } from '@cruddur/ddb';
import { startLocalStack } from '@cruddur/local-stack';
import { silentLogger } from '@cruddur/logger';
import {
  buildListConversations,
  Messaging,
  messageItem,
  messagingConfigSchema,
  startMessagingService,
} from '@cruddur/messaging';
import { bearer, createServiceSigner } from '@cruddur/service-auth';
import { createTestServiceKeys } from '@cruddur/test-kit';
import autocannon from 'autocannon';
import {
  autocannonWithLatencies,
  type Benchmark,
  chartSamples,
  closedLoop,
  figure,
  percentile,
} from './lib.ts';

const IN_FLIGHT = 16;
const REGION = 'us-east-1';

/**
 * Issue 4's two figures, each beside its raw DynamoDB baseline from the same run on one private
 * DynamoDB Local:
 * - messages created per second through the service (POST, which reads the conversation and sender,
 *   then writes message + membership check in one transaction) vs a raw PutItem of the same item;
 * - list-conversations latency through the service (Query on the LSI + BatchGet of profiles + JSON)
 *   vs the same raw Query.
 * The create runs alternate in short rounds because DynamoDB Local slows down as stream records pile up,
 * which would otherwise penalise whichever side ran second.
 */
export const benchmark: Benchmark = {
  id: 'messaging-service',
  area: 'issue 4: messaging service',
  async run(ctx) {
    const durationMs = ctx.quick ? 2_000 : 12_000;
    const rounds = ctx.quick ? 2 : 4;
    const listUsers = ctx.quick ? 4 : 20;
    const conversationsPerUser = ctx.quick ? 25 : 40;

    ctx.log('starting a private DynamoDB Local and SQS emulator');
    const stack = await startLocalStack({ only: ['dynamodb', 'sqs'] });
    const cleanups: (() => Promise<unknown>)[] = [() => stack.stop()];
    try {
      const table = `bench-messages-${Date.now().toString(36)}`;
      const ddbClient = new DynamoDBClient({ region: REGION, endpoint: stack.endpoints.dynamodbEndpoint });
      await ddbClient.send(new CreateTableCommand(messageTableDefinition(table)));
      ddbClient.destroy();
      const sqs = new SQSClient({ region: REGION, endpoint: stack.endpoints.sqsEndpoint });
      const queue = await sqs.send(new CreateQueueCommand({ QueueName: 'bench-users-events' }));
      sqs.destroy();

      const keys = await createTestServiceKeys();
      const service = await startMessagingService(
        messagingConfigSchema.parse({
          PORT: '0',
          LOG_LEVEL: 'silent',
          AWS_REGION: REGION,
          DDB_ENDPOINT: stack.endpoints.dynamodbEndpoint,
          SQS_ENDPOINT: stack.endpoints.sqsEndpoint,
          DDB_MESSAGE_TABLE: table,
          USERS_EVENTS_QUEUE_URL: queue.QueueUrl,
          // No user events flow here, so the users service is never asked.
          USERS_URL: 'http://127.0.0.1:9',
          SERVICE_AUTH_PRIVATE_KEY: keys.privateKeyJson('messaging'),
          SERVICE_AUTH_PUBLIC_KEYS: keys.publicKeysJson,
        }),
        { logger: silentLogger, usersEventsWaitSeconds: 1 },
      );
      // The gateway's assertions, as it sends them: one per acting user, minted before each load phase
      // (autocannon's setupRequest is synchronous) and valid for the longest lifetime the service accepts.
      const gatewaySigner = await createServiceSigner({
        privateKey: keys.gateway.privateKey,
        ttlSeconds: 120,
      });
      const assertions = async (users: readonly string[]) =>
        new Map(
          await Promise.all(
            users.map(
              async (u) => [u, bearer(await gatewaySigner.forUser('messaging', u)).authorization] as const,
            ),
          ),
        );
      cleanups.unshift(() => service.stop());
      const doc = createDocumentClient({ region: REGION, endpoint: stack.endpoints.dynamodbEndpoint });
      cleanups.unshift(async () => doc.destroy());
      const messaging = new Messaging({ store: service.store, logger: silentLogger });

      // --- create: one conversation per in-flight slot, so the two sides write the same shape of load.
      const profile = async (handle: string) => {
        const user = { uuid: randomUUID(), handle, display_name: handle, bio: null, version: 1 };
        await service.store.putProfile(user);
        return user;
      };
      const pairs = await Promise.all(
        Array.from({ length: IN_FLIGHT }, async (_, i) => {
          const [a, b] = await Promise.all([profile(`bench-a${i}`), profile(`bench-b${i}`)]);
          const started = await messaging.startConversation({
            userUuid: a.uuid,
            recipientUuid: b.uuid,
            text: 'hi',
          });
          return { a, b, group: started.message.message_group_uuid };
        }),
      );
      const text = 'A benchmark message of a typical length, about sixty characters.';
      const rawPut = (i: number) => {
        const pair = pairs[Math.abs(i) % pairs.length]!;
        return doc.send(
          new PutCommand({
            TableName: table,
            Item: messageItem({
              groupUuid: pair.group,
              messageUuid: randomUUID(),
              senderUuid: pair.a.uuid,
              text,
              createdAt: new Date().toISOString(),
              members: [pair.a.uuid, pair.b.uuid].sort(),
            }),
          }),
        );
      };
      let slot = 0;
      let senders = await assertions(pairs.map((p) => p.a.uuid));
      const serviceCreate = (ms: number) =>
        autocannon({
          url: service.url,
          connections: IN_FLIGHT,
          pipelining: 1,
          duration: ms / 1000,
          requests: [
            {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              setupRequest: (request) => {
                const pair = pairs[slot++ % pairs.length]!;
                return {
                  ...request,
                  path: `/internal/conversations/${pair.group}/messages`,
                  headers: { ...request.headers, authorization: senders.get(pair.a.uuid)! },
                  body: JSON.stringify({ message: text }),
                };
              },
            },
          ],
        });

      ctx.log(`create: ${rounds} alternating rounds of raw PutItem and service POST, ${IN_FLIGHT} in flight`);
      await closedLoop(rawPut, { concurrency: IN_FLIGHT, durationMs: 300, warmupOps: 20 });
      await serviceCreate(500);
      let rawOps = 0;
      let rawSeconds = 0;
      let rawErrors = 0;
      let svcOps = 0;
      let svcSeconds = 0;
      let svcErrors = 0;
      for (let r = 0; r < rounds; r++) {
        const raw = await closedLoop(rawPut, { concurrency: IN_FLIGHT, durationMs: durationMs / rounds });
        rawOps += raw.completed;
        rawSeconds += raw.seconds;
        rawErrors += raw.errors;
        senders = await assertions(pairs.map((p) => p.a.uuid));
        const svc = await serviceCreate(durationMs / rounds);
        svcOps += svc['2xx'];
        svcSeconds += svc.duration;
        svcErrors += svc.errors + svc.non2xx;
      }
      const createParams = {
        in_flight: IN_FLIGHT,
        duration_ms_each: durationMs,
        rounds,
        service_messages: svcOps,
        raw_puts: rawOps,
        errors: svcErrors + rawErrors,
        service_work:
          'GetItem conversation + GetItem sender profile + TransactWriteItems(ConditionCheck, Put)',
        load_generator: 'autocannon (service), closed loop of PutCommand (raw)',
        client_and_service_share_process: true,
      };

      // --- list: users with many conversations each, pages of 20.
      ctx.log(`list: ${listUsers} users with ${conversationsPerUser} conversations each`);
      const owners = await Promise.all(Array.from({ length: listUsers }, (_, i) => profile(`owner${i}`)));
      for (const owner of owners) {
        const others = await Promise.all(
          Array.from({ length: conversationsPerUser }, (_, i) => profile(`${owner.handle}-friend${i}`)),
        );
        for (let i = 0; i < others.length; i += 8) {
          await Promise.all(
            others.slice(i, i + 8).map((o) =>
              messaging.startConversation({
                userUuid: o.uuid,
                recipientUuid: owner.uuid,
                text: `hello ${owner.handle}`,
              }),
            ),
          );
        }
      }
      const owner = (i: number) => owners[Math.abs(i) % owners.length]!.uuid;
      const rawList = await closedLoop(
        async (i) => {
          const out = await doc.send(
            new QueryCommand({ ...buildListConversations(table, owner(i), 20), Limit: 20 }),
          );
          if (out.Items?.length !== 20) throw new Error('short page');
        },
        { concurrency: IN_FLIGHT, durationMs: durationMs / 2, warmupOps: 20 },
      );
      let next = 0;
      const ownerAssertions = await assertions(owners.map((o) => o.uuid));
      const listLoad = (ms: number) =>
        autocannonWithLatencies({
          url: service.url,
          connections: IN_FLIGHT,
          pipelining: 1,
          duration: ms / 1000,
          requests: [
            {
              method: 'GET',
              setupRequest: (request) => {
                const who = owner(next++);
                return {
                  ...request,
                  path: '/internal/conversations?limit=20',
                  headers: { ...request.headers, authorization: ownerAssertions.get(who)! },
                };
              },
            },
          ],
        });
      await listLoad(500);
      const svcList = await listLoad(durationMs / 2);
      const listParams = {
        in_flight: IN_FLIGHT,
        duration_ms: durationMs / 2,
        page_size: 20,
        users: listUsers,
        conversations_per_user: conversationsPerUser,
        service_requests: svcList['2xx'],
        raw_queries: rawList.completed,
        errors: svcList.errors + svcList.non2xx + rawList.errors,
        service_work: 'Query LSI (21 items) + BatchGetItem profiles + JSON',
      };

      return [
        figure({
          name: 'messages created/s through the messaging service (POST /internal/conversations/:g/messages)',
          unit: 'msgs/s',
          value: svcOps / svcSeconds,
          baseline: { name: 'raw PutItem of the message item', value: rawOps / rawSeconds },
          higherIsBetter: true,
          params: createParams,
        }),
        figure({
          name: 'list-conversations p50 through the messaging service',
          unit: 'ms',
          value: svcList.latency.p50,
          baseline: {
            name: 'raw Query on inbox_by_activity p50',
            value: percentile(rawList.latenciesMs, 50),
          },
          higherIsBetter: false,
          params: listParams,
          samples: {
            label: 'list-conversations latency',
            value: chartSamples(svcList.latenciesMs),
            baseline: chartSamples(rawList.latenciesMs),
          },
        }),
        figure({
          name: 'list-conversations p99 through the messaging service',
          unit: 'ms',
          value: svcList.latency.p99,
          baseline: {
            name: 'raw Query on inbox_by_activity p99',
            value: percentile(rawList.latenciesMs, 99),
          },
          higherIsBetter: false,
          params: listParams,
        }),
        figure({
          name: 'list-conversations pages/s through the messaging service',
          unit: 'pages/s',
          value: svcList['2xx'] / svcList.duration,
          baseline: { name: 'raw Query on inbox_by_activity', value: rawList.perSecond },
          higherIsBetter: true,
          params: listParams,
        }),
      ];
    } finally {
      for (const cleanup of cleanups) await cleanup().catch(() => undefined);
    }
  },
};
