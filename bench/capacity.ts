import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient, messageItemSchema, messageTableDefinition, parseItem } from '@cruddur/ddb';
import { startLocalStack } from '@cruddur/local-stack';
import { silentLogger } from '@cruddur/logger';
import { MessageStore, Messaging, ProfileCache } from '@cruddur/messaging';
import { buildAdvanceInbox } from '@cruddur/stream-consumer';
import {
  itemSize,
  type RecordedRequest,
  readUnits,
  recordCapacity,
  reportedUnits,
  writeUnits,
} from './lib/capacity.ts';
import { type BenchFigure, type Benchmark, figure } from './lib.ts';

const REGION = 'us-east-1';
const PAGE = 20;
/** On-demand prices in us-east-1 since AWS's November 2024 cut, USD per million request units. */
const USD_PER_MILLION = { write: 0.625, read: 0.125 };

type Doc = ReturnType<typeof createDocumentClient>;
type Key = Record<string, unknown>;

/** One request's cost by AWS's rules, with the line that says how it was counted. */
interface Units {
  kind: 'write' | 'read';
  units: number;
  reported: number;
  line: string;
}

const keyOf = (item: Key): Key => ({ pk: item.pk, sk: item.sk });
const label = (key: Key) => `${String(key.pk).split('#')[0]}#… ${String(key.sk).slice(0, 12)}`;

async function sizeOf(plain: Doc, table: string, key: Key): Promise<number> {
  const out = await plain.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }));
  return out.Item ? itemSize(out.Item) : 0;
}

/**
 * What AWS bills for one recorded request, from the sizes of the items it touched (read back with a client that
 * is not recorded): reads at 4 KB steps (half for eventually consistent ones; a BatchGetItem rounds each item, a
 * Query the sum), writes at 1 KB steps, a transactional write twice that. A ConditionCheck inside
 * TransactWriteItems is counted like a transactional write of the item it checks (TransactWriteItems reports only
 * write units). An inbox row has the local index's key, so moving it rewrites its index entry: one unit to delete
 * the old entry and one to put the new (the developer guide's rule for a changed index key).
 */
async function awsUnits(r: RecordedRequest, plain: Doc, table: string): Promise<Units> {
  const reported = reportedUnits(r);
  const input = r.input;
  if (r.command === 'GetItem') {
    const size = await sizeOf(plain, table, input.Key as Key);
    const consistent = input.ConsistentRead === true;
    const units = readUnits(size, consistent);
    return {
      kind: 'read',
      units,
      reported,
      line: `GetItem ${label(input.Key as Key)} ${size} B ${consistent ? 'strong' : 'eventual'} = ${units}`,
    };
  }
  if (r.command === 'Query') {
    const items = (r.output.Items as Key[] | undefined) ?? [];
    const bytes = items.reduce((n, i) => n + itemSize(i), 0);
    const consistent = input.ConsistentRead === true;
    const units = readUnits(bytes, consistent);
    const index = input.IndexName ? ` on ${String(input.IndexName)}` : '';
    return {
      kind: 'read',
      units,
      reported,
      line: `Query${index} ${items.length} items ${bytes} B ${consistent ? 'strong' : 'eventual'} = ${units}`,
    };
  }
  if (r.command === 'BatchGetItem') {
    const request = input.RequestItems as Record<string, { Keys: Key[]; ConsistentRead?: boolean }>;
    let units = 0;
    let n = 0;
    for (const { Keys, ConsistentRead } of Object.values(request)) {
      for (const key of Keys) {
        n++;
        units += readUnits(await sizeOf(plain, table, key), ConsistentRead === true);
      }
    }
    return {
      kind: 'read',
      units,
      reported,
      line: `BatchGetItem ${n} items, each rounded to 4 KB = ${units}`,
    };
  }
  if (r.command === 'TransactWriteItems') {
    const items = input.TransactItems as {
      Put?: { Item: Key };
      ConditionCheck?: { Key: Key };
    }[];
    const parts: string[] = [];
    let units = 0;
    for (const item of items) {
      if (item.Put) {
        const size = itemSize(item.Put.Item);
        const indexed = 'last_message_key' in item.Put.Item ? 2 * writeUnits(size) : 0;
        const u = 2 * writeUnits(size) + indexed;
        units += u;
        parts.push(`Put ${label(keyOf(item.Put.Item))} ${size} B = ${u}`);
      } else if (item.ConditionCheck) {
        const size = await sizeOf(plain, table, item.ConditionCheck.Key);
        const u = 2 * writeUnits(size);
        units += u;
        parts.push(`ConditionCheck ${label(item.ConditionCheck.Key)} ${size} B = ${u}`);
      }
    }
    return { kind: 'write', units, reported, line: `TransactWriteItems [${parts.join(', ')}] = ${units}` };
  }
  if (r.command === 'UpdateItem' || r.command === 'PutItem') {
    const item = (r.output.Attributes as Key | undefined) ?? (input.Item as Key | undefined) ?? {};
    const size = itemSize(item);
    const index = 'last_message_key' in item ? (r.command === 'UpdateItem' ? 2 : 1) * writeUnits(size) : 0;
    const units = writeUnits(size) + index;
    return {
      kind: 'write',
      units,
      reported,
      line: `${r.command} ${label(input.Key as Key)} ${size} B = ${writeUnits(size)}${index ? ` + index ${index}` : ''}`,
    };
  }
  throw new Error(`no capacity rule for ${r.command}`);
}

interface Cost {
  write: number;
  read: number;
  reportedWrite: number;
  reportedRead: number;
  lines: string[];
}

async function costOf(requests: RecordedRequest[], plain: Doc, table: string): Promise<Cost> {
  const cost: Cost = { write: 0, read: 0, reportedWrite: 0, reportedRead: 0, lines: [] };
  for (const r of requests) {
    const u = await awsUnits(r, plain, table);
    cost[u.kind] += u.units;
    cost[u.kind === 'write' ? 'reportedWrite' : 'reportedRead'] += u.reported;
    cost.lines.push(`${u.line} (DynamoDB Local: ${u.reported})`);
  }
  return cost;
}

/**
 * Issue 16 (6): the DynamoDB cost of a send, a page of conversations and a page of a thread, in AWS request
 * units. The messaging service's own code (Messaging on a MessageStore with its profile cache, each call made once
 * before it is measured, as a running replica makes it) runs in this process against a private
 * DynamoDB Local through a client that asks every request for its consumed capacity; the stream consumer's part of
 * a send is its own request builder (the forward-only inbox move, one per member) sent the same way. Each figure is
 * the cost by AWS's documented rules from the item sizes, against what DynamoDB Local itself reported for the
 * same requests (it under-reports transactions), with every request listed in the parameters.
 */
export const benchmark: Benchmark = {
  id: 'capacity',
  area: 'issue 16: cost at AWS prices',
  async run(ctx) {
    ctx.log('starting a private DynamoDB Local');
    const stack = await startLocalStack({ only: ['dynamodb'] });
    const endpoint = stack.endpoints.dynamodbEndpoint;
    const doc = createDocumentClient({ region: REGION, endpoint });
    const plain = createDocumentClient({ region: REGION, endpoint });
    try {
      const table = `bench-capacity-${randomUUID().slice(0, 8)}`;
      const admin = new DynamoDBClient({ region: REGION, endpoint });
      await admin.send(new CreateTableCommand(messageTableDefinition(table)));
      admin.destroy();
      const recorder = recordCapacity(doc);
      // Set-up and the cold figures go through a store without the profile cache; the figures themselves through
      // one with it, as the service runs (steady state: each call made once before it is measured).
      const store = new MessageStore(doc, table);
      const messaging = new Messaging({ store, logger: silentLogger });
      const cached = new Messaging({
        store: new MessageStore(doc, table, new ProfileCache({ ttlMs: 60_000, maxEntries: 1_000 })),
        logger: silentLogger,
      });

      // A user with more conversations than a page, and one thread longer than a page.
      const profile = async (handle: string) => {
        const user = {
          uuid: randomUUID(),
          handle,
          display_name: `${handle} display name`,
          bio: null,
          version: 1,
        };
        await store.putProfile(user);
        return user;
      };
      const owner = await profile('owner');
      const friends = await Promise.all(Array.from({ length: PAGE + 5 }, (_, i) => profile(`friend${i}`)));
      const groups: string[] = [];
      for (const friend of friends) {
        const started = await messaging.startConversation({
          userUuid: friend.uuid,
          recipientUuid: owner.uuid,
          text: `hello ${owner.handle}, a message of a typical length, about sixty chars`,
        });
        groups.push(started.message.message_group_uuid);
      }
      const text = 'A benchmark message of a typical length, about sixty characters.';
      const thread = groups[0]!;
      for (let i = 0; i < PAGE + 5; i++) {
        await messaging.createMessage({
          groupUuid: thread,
          userUuid: i % 2 ? owner.uuid : friends[0]!.uuid,
          text,
        });
      }

      const measure = async (op: () => Promise<unknown>) => {
        recorder.clear();
        await op();
        return [...recorder.requests];
      };
      // The stream consumer's inbox move for each member of a message, as it sends it.
      const consumerMoves = async (groupUuid: string, messageUuid: string) => {
        const page = await plain.send(
          new QueryCommand({
            TableName: table,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': `MSG#${groupUuid}` },
            ScanIndexForward: false,
            ConsistentRead: true,
          }),
        );
        const item = page.Items?.find((i) => i.message_uuid === messageUuid);
        if (!item) throw new Error(`message ${messageUuid} not found`);
        const message = parseItem(messageItemSchema, item);
        return measure(() =>
          Promise.all(
            message.members.map((member) =>
              doc.send(
                new UpdateCommand(
                  buildAdvanceInbox({
                    table,
                    owner: member,
                    message,
                    unreadIncrement: member === message.sender_uuid ? 0 : 1,
                  }),
                ),
              ),
            ),
          ),
        );
      };

      // Steady state: the service has seen the conversation before, so its members come from its cache.
      ctx.log('a send, with and without Idempotency-Key; the stream consumer moves both inbox rows');
      const sendOf = (m: Messaging, idempotencyKey?: string) => () =>
        m.createMessage({ groupUuid: thread, userUuid: owner.uuid, text, idempotencyKey });
      const listOf = (m: Messaging) => () => m.listConversations(owner.uuid, PAGE);
      const threadOf = (m: Messaging) => () => m.listMessages(thread, owner.uuid, PAGE);
      for (const warm of [sendOf(cached), listOf(cached), threadOf(cached)]) await warm();
      const sendAndMoves = async (op: () => Promise<{ message: { uuid: string } }>) => {
        let uuid = '';
        const requests = await measure(async () => {
          uuid = (await op()).message.uuid;
        });
        return [...requests, ...(await consumerMoves(thread, uuid))];
      };
      const send = await sendAndMoves(sendOf(cached));
      const keyed = await sendAndMoves(sendOf(cached, randomUUID()));
      const coldSend = await sendAndMoves(sendOf(messaging));
      const coldKeyed = await sendAndMoves(sendOf(messaging, randomUUID()));
      ctx.log('a page of conversations and a page of the thread');
      const list = await measure(listOf(cached));
      const threadPage = await measure(threadOf(cached));
      const coldList = await measure(listOf(messaging));
      const coldThread = await measure(threadOf(messaging));

      const figures: BenchFigure[] = [];
      const add = async (
        name: string,
        requests: RecordedRequest[],
        kinds: ('write' | 'read')[],
        cold: RecordedRequest[],
      ) => {
        const cost = await costOf(requests, plain, table);
        const coldCost = await costOf(cold, plain, table);
        // A million operations of this kind cost this many dollars: units per operation times the unit price.
        const usd = cost.write * USD_PER_MILLION.write + cost.read * USD_PER_MILLION.read;
        for (const kind of kinds) {
          figures.push(
            figure({
              name: `${kind} request units per ${name} (AWS rules)`,
              unit: kind === 'write' ? 'WRU' : 'RRU',
              value: cost[kind],
              baseline: {
                name: "DynamoDB Local's ReturnConsumedCapacity for the same requests",
                value: kind === 'write' ? cost.reportedWrite : cost.reportedRead,
              },
              higherIsBetter: false,
              params: {
                requests: requests.length,
                usd_per_million: Math.round(usd * 100) / 100,
                every_request: cost.lines.join('; '),
                // The same call with nothing in the profile cache (a profile seen for the first time, or a cache off).
                [`${kind}_units_profile_cache_empty`]: coldCost[kind],
              },
            }),
          );
        }
      };
      await add(
        'send (existing conversation, no Idempotency-Key, with the two inbox moves)',
        send,
        ['write', 'read'],
        coldSend,
      );
      await add(
        'send with an Idempotency-Key (with the two inbox moves)',
        keyed,
        ['write', 'read'],
        coldKeyed,
      );
      await add(`page of ${PAGE} conversations`, list, ['read'], coldList);
      await add(`page of ${PAGE} messages of a thread`, threadPage, ['read'], coldThread);
      return figures;
    } finally {
      doc.destroy();
      plain.destroy();
      await stack.stop();
    }
  },
};
