import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  paginateListQueues,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { BatchGetCommand, type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createSqsClient } from '@cruddur/aws';
import { z } from '@cruddur/config';
import { createDocumentClient, DEFAULT_MESSAGE_TABLE, itemKindOf, keys } from '@cruddur/ddb';
import { Command } from 'commander';
import pg from 'pg';
import { fail, loadScriptConfig } from '../lib/script-env.ts';
import { ddbScriptContext, ddbScriptSchema } from './lib/config.ts';

/**
 * The invariant checker of the messages table (and, with `--system`, of the events around it).
 * Operators run it against a real table (`--prod`); the fault-injection suite calls the same functions
 * after killing every part of the system, and expects no violation.
 */

export interface Violation {
  kind: string;
  detail: string;
  pk?: string;
  sk?: string;
}

/** A message a client was told was accepted: it must be stored exactly once. */
export interface ExpectedMessage {
  message_uuid: string;
  message_group_uuid: string;
  /** The text sent; unique per logical send, so a retry that stored a second copy is caught even under another uuid. */
  text?: string;
}

export interface TableVerification {
  table: string;
  items: number;
  pages: number;
  conversations: number;
  messages: number;
  inboxRows: number;
  profiles: number;
  /** Messages whose text starts with `textPrefix` (the fault suite's own traffic). */
  storedWithPrefix: number;
  violations: Violation[];
}

interface MessageFacts {
  sk: string;
  uuid: string;
  sender: string;
  members: string[];
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const sameMembers = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().join() === [...b].sort().join();

/**
 * Scans the whole table (every page, strongly consistent) and checks, per conversation: each message is
 * stored once under the key its fields give; it has a conversation, with the same two members, and the
 * sender is one of them; every member has an inbox row, and every inbox row points at the conversation's
 * newest message; the pair lock exists and points back; idempotency records point at a stored message;
 * every member has a profile in the replica. With `expected`, every accepted message exists exactly once.
 */
export async function verifyTable(
  doc: DynamoDBDocumentClient,
  table: string,
  options: { expected?: readonly ExpectedMessage[]; textPrefix?: string; now?: Date } = {},
): Promise<TableVerification> {
  const violations: Violation[] = [];
  const add = (kind: string, detail: string, key?: { pk?: unknown; sk?: unknown }) =>
    violations.push({
      kind,
      detail,
      ...(key?.pk !== undefined ? { pk: str(key.pk) } : {}),
      ...(key?.sk !== undefined ? { sk: str(key.sk) } : {}),
    });

  const messagesByGroup = new Map<string, MessageFacts[]>();
  const uuidCount = new Map<string, number>();
  const conversations = new Map<string, string[]>();
  const inboxRows: Record<string, unknown>[] = [];
  const pairs: { pk: string; group: string }[] = [];
  const idempotency: Record<string, unknown>[] = [];
  const profiles = new Set<string>();
  const expectedTexts = new Set((options.expected ?? []).flatMap((e) => (e.text ? [e.text] : [])));
  const textCount = new Map<string, number>();
  let storedWithPrefix = 0;
  let messages = 0;
  let items = 0;
  let pages = 0;

  let start: Record<string, unknown> | undefined;
  do {
    const out = await doc.send(
      new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }),
    );
    pages++;
    for (const item of out.Items ?? []) {
      items++;
      const pk = str(item.pk);
      switch (itemKindOf(pk)) {
        case 'message': {
          messages++;
          const group = str(item.message_group_uuid);
          const uuid = str(item.message_uuid);
          const expectedKey = keys.message(group, str(item.created_at), uuid);
          if (pk !== expectedKey.pk || item.sk !== expectedKey.sk)
            add(
              'message_key_mismatch',
              `stored under ${pk}/${str(item.sk)}, fields say ${expectedKey.pk}/${expectedKey.sk}`,
              item,
            );
          uuidCount.set(uuid, (uuidCount.get(uuid) ?? 0) + 1);
          const list = messagesByGroup.get(group) ?? [];
          list.push({
            sk: str(item.sk),
            uuid,
            sender: str(item.sender_uuid),
            members: Array.isArray(item.members) ? item.members.map(str) : [],
          });
          messagesByGroup.set(group, list);
          const text = str(item.message);
          if (expectedTexts.has(text)) textCount.set(text, (textCount.get(text) ?? 0) + 1);
          if (options.textPrefix && text.startsWith(options.textPrefix)) storedWithPrefix++;
          break;
        }
        case 'conversation':
          conversations.set(
            str(item.message_group_uuid),
            Array.isArray(item.members) ? item.members.map(str) : [],
          );
          break;
        case 'inbox':
          inboxRows.push(item);
          break;
        case 'pair':
          pairs.push({ pk, group: str(item.message_group_uuid) });
          break;
        case 'user':
          profiles.add(str(item.uuid));
          break;
        case 'idempotency':
          idempotency.push(item);
          break;
        case 'seed':
          break;
        default:
          add('unknown_item', `no item kind has the key prefix of ${pk}`, item);
      }
    }
    start = out.LastEvaluatedKey;
  } while (start);

  for (const [uuid, n] of uuidCount) {
    if (n > 1) add('message_duplicated', `message ${uuid} is stored ${n} times`);
  }

  // Per conversation: members, messages, pair lock.
  const newestByGroup = new Map<string, string>();
  const pairByPk = new Map<string, string[]>();
  for (const p of pairs) pairByPk.set(p.pk, [...(pairByPk.get(p.pk) ?? []), p.group]);
  for (const [group, members] of conversations) {
    if (members.length !== 2 || new Set(members).size !== 2)
      add(
        'conversation_members_invalid',
        `conversation ${group} has members [${members.join(', ')}]`,
        keys.conversation(group),
      );
    for (const member of members) {
      if (!profiles.has(member))
        add(
          'member_profile_missing',
          `member ${member} of ${group} has no USER# profile in the replica`,
          keys.user(member),
        );
    }
    if (members.length === 2) {
      const lock = keys.pair(members[0]!, members[1]!);
      const locked = pairByPk.get(lock.pk);
      if (!locked) add('pair_lock_missing', `conversation ${group} has no pair lock`, lock);
      else if (!locked.includes(group))
        add('pair_lock_mismatch', `pair lock of ${group}'s members points at ${locked.join(', ')}`, lock);
    }
  }
  for (const p of pairs) {
    if (!conversations.has(p.group))
      add('pair_lock_orphan', `pair lock points at missing conversation ${p.group}`, {
        pk: p.pk,
        sk: 'PAIR',
      });
  }
  for (const [group, list] of messagesByGroup) {
    const members = conversations.get(group);
    let newest = '';
    for (const m of list) if (m.sk > newest) newest = m.sk;
    newestByGroup.set(group, newest);
    if (!members) {
      add('message_orphan', `${list.length} message(s) in ${group}, which has no conversation item`, {
        pk: keys.messagePartition(group),
      });
      continue;
    }
    for (const m of list) {
      if (!sameMembers(m.members, members))
        add('message_members_mismatch', `message ${m.uuid} names members [${m.members.join(', ')}]`, {
          pk: keys.messagePartition(group),
          sk: m.sk,
        });
      if (!members.includes(m.sender))
        add('sender_not_member', `message ${m.uuid} was sent by non-member ${m.sender}`, {
          pk: keys.messagePartition(group),
          sk: m.sk,
        });
    }
  }

  // Inbox rows: one per member, each showing its conversation's newest message.
  const inboxSeen = new Set<string>();
  for (const row of inboxRows) {
    const owner = str(row.owner_uuid);
    const group = str(row.message_group_uuid);
    inboxSeen.add(`${owner}/${group}`);
    const members = conversations.get(group);
    if (row.pk !== keys.inbox(owner, group).pk || row.sk !== group)
      add(
        'inbox_key_mismatch',
        `inbox row of ${owner} for ${group} is stored under ${str(row.pk)}/${str(row.sk)}`,
        row,
      );
    if (!members) {
      add('inbox_orphan', `inbox row of ${owner} points at missing conversation ${group}`, row);
      continue;
    }
    if (!members.includes(owner)) add('inbox_owner_not_member', `${owner} is not a member of ${group}`, row);
    const other = members.find((m) => m !== owner);
    if (other && row.other_user_uuid !== other)
      add(
        'inbox_other_user_wrong',
        `other_user_uuid is ${str(row.other_user_uuid)}, member is ${other}`,
        row,
      );
    const newest = newestByGroup.get(group);
    const shown = str(row.last_message_key);
    if (newest === undefined) add('inbox_without_messages', `conversation ${group} has no message`, row);
    else if (shown !== newest)
      add(
        shown > newest ? 'inbox_points_past_newest' : 'inbox_stale',
        `shows ${shown || '(none)'}, newest message is ${newest}`,
        row,
      );
    if (typeof row.unread_count !== 'number' || row.unread_count < 0)
      add('inbox_unread_invalid', `unread_count is ${String(row.unread_count)}`, row);
  }
  for (const [group, members] of conversations) {
    for (const member of members) {
      if (!inboxSeen.has(`${member}/${group}`))
        add('inbox_row_missing', `member ${member} has no inbox row for ${group}`, keys.inbox(member, group));
    }
  }

  // Idempotency records are written in the message's own transaction, so each must point at a message.
  const nowSeconds = (options.now ?? new Date()).getTime() / 1000;
  for (const idem of idempotency) {
    if (typeof idem.expires_at === 'number' && idem.expires_at < nowSeconds) continue;
    const group = str(idem.message_group_uuid);
    const sk = str(idem.message_sk);
    if (!messagesByGroup.get(group)?.some((m) => m.sk === sk))
      add('idempotency_dangling', `points at ${group}/${sk}, which is not stored`, idem);
  }

  for (const e of options.expected ?? []) {
    const n = uuidCount.get(e.message_uuid) ?? 0;
    const inGroup = messagesByGroup.get(e.message_group_uuid)?.some((m) => m.uuid === e.message_uuid);
    if (n === 0 || !inGroup)
      add(
        'accepted_message_missing',
        `accepted message ${e.message_uuid} in ${e.message_group_uuid} is not stored`,
      );
    if (e.text && (textCount.get(e.text) ?? 0) > 1)
      add(
        'accepted_message_stored_twice',
        `"${e.text}" is stored ${textCount.get(e.text)} times (a retry made a copy)`,
      );
  }

  return {
    table,
    items,
    pages,
    conversations: conversations.size,
    messages,
    inboxRows: inboxRows.length,
    profiles: profiles.size,
    storedWithPrefix,
    violations,
  };
}

export interface OutboxVerification {
  events: number;
  pending: number;
  violations: Violation[];
}

/**
 * No outbox event was lost: every row of the users service's outbox is marked sent, and its effect reached
 * the messaging service's profile replica (`USER#<uuid>` at that event's version or later).
 */
export async function verifyOutbox(
  databaseUrl: string,
  doc: DynamoDBDocumentClient,
  table: string,
): Promise<OutboxVerification> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{
      id: string;
      aggregate_id: string;
      event_type: string;
      published_at: Date | null;
      version: number | null;
    }>(
      `SELECT id, aggregate_id, event_type, published_at, (envelope->'payload'->>'version')::int AS version
         FROM outbox ORDER BY seq`,
    );
    const violations: Violation[] = [];
    const newest = new Map<string, number>();
    for (const row of rows) {
      if (!row.published_at)
        violations.push({
          kind: 'outbox_unpublished',
          detail: `${row.event_type} ${row.id} is not marked sent`,
        });
      if (row.version !== null)
        newest.set(row.aggregate_id, Math.max(newest.get(row.aggregate_id) ?? 0, row.version));
    }
    const uuids = [...newest.keys()];
    const replicaVersions = new Map<string, number>();
    for (let i = 0; i < uuids.length; i += 100) {
      let request: Record<string, { Keys: Record<string, unknown>[]; ConsistentRead: boolean }> | undefined =
        {
          [table]: {
            Keys: uuids.slice(i, i + 100).map((u): Record<string, unknown> => ({ ...keys.user(u) })),
            ConsistentRead: true,
          },
        };
      while (request && Object.keys(request).length > 0) {
        const out = await doc.send(new BatchGetCommand({ RequestItems: request }));
        for (const item of out.Responses?.[table] ?? [])
          replicaVersions.set(str(item.uuid), Number(item.version));
        request = out.UnprocessedKeys as typeof request;
      }
    }
    for (const [uuid, version] of newest) {
      const replica = replicaVersions.get(uuid);
      if (replica === undefined)
        violations.push({
          kind: 'replica_missing',
          detail: `user ${uuid} (v${version}) never reached the replica`,
          ...keys.user(uuid),
        });
      else if (replica < version)
        violations.push({
          kind: 'replica_behind',
          detail: `user ${uuid} is v${replica} in the replica, v${version} in the outbox`,
          ...keys.user(uuid),
        });
    }
    return { events: rows.length, pending: rows.filter((r) => !r.published_at).length, violations };
  } finally {
    await client.end();
  }
}

export interface QueueDepth {
  name: string;
  url: string;
  visible: number;
  inFlight: number;
  delayed: number;
  role: 'consumed' | 'dead-letter' | 'not-consumed-here';
}

export interface QueueVerification {
  queues: QueueDepth[];
  /** Messages sitting in dead-letter queues: handled by giving up, listed for operators. */
  deadLettered: number;
  violations: Violation[];
}

/** Queues whose consumer is outside this system (the durable copy of message-events): depth is only reported. */
export const DEFAULT_NOT_CONSUMED = ['message-events'];

/**
 * Every SQS message was handled or dead-lettered: every queue with a consumer here is empty (nothing
 * visible, nothing in flight). Dead-letter queues (`*-dlq`, `stream-dlq`) may hold messages.
 */
export async function verifyQueues(
  sqs: SQSClient,
  { prefix, notConsumed = DEFAULT_NOT_CONSUMED }: { prefix?: string; notConsumed?: readonly string[] } = {},
): Promise<QueueVerification> {
  const queues: QueueDepth[] = [];
  for await (const page of paginateListQueues(
    { client: sqs },
    { ...(prefix ? { QueueNamePrefix: prefix } : {}) },
  )) {
    for (const url of page.QueueUrls ?? []) {
      const name = url.slice(url.lastIndexOf('/') + 1);
      const { Attributes: a = {} } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: [
            'ApproximateNumberOfMessages',
            'ApproximateNumberOfMessagesNotVisible',
            'ApproximateNumberOfMessagesDelayed',
          ],
        }),
      );
      const role: QueueDepth['role'] =
        name.endsWith('-dlq') || name === 'stream-dlq'
          ? 'dead-letter'
          : notConsumed.includes(name)
            ? 'not-consumed-here'
            : 'consumed';
      queues.push({
        name,
        url,
        visible: Number(a.ApproximateNumberOfMessages ?? 0),
        inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
        delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
        role,
      });
    }
  }
  const violations: Violation[] = queues
    .filter((q) => q.role === 'consumed' && q.visible + q.inFlight + q.delayed > 0)
    .map((q) => ({
      kind: 'queue_not_drained',
      detail: `${q.name}: ${q.visible} visible, ${q.inFlight} in flight, ${q.delayed} delayed`,
    }));
  const deadLettered = queues
    .filter((q) => q.role === 'dead-letter')
    .reduce((n, q) => n + q.visible + q.inFlight, 0);
  return { queues, deadLettered, violations };
}

export interface MessageEventState {
  created: Set<string>;
  deadLetters: { message_uuid: string | null; reason: string }[];
  events: number;
}

export interface MessageEventVerification {
  /** message.created events read from the durable message-events queue. */
  events: number;
  /** Stream records in the stream dead-letter queue, with the reason each gave up. */
  deadLetters: { message_uuid: string | null; reason: string }[];
  violations: Violation[];
}

/**
 * No message event was lost: every accepted message has a `message.created` event on the durable
 * message-events queue, or its stream record is in the stream dead-letter queue. DESTRUCTIVE: it
 * consumes (receives and deletes) the message-events queue, acting as its downstream consumer, and
 * holds the dead letters invisible for a while; for test systems, not for operators.
 */
export async function verifyMessageEvents(
  sqs: SQSClient,
  {
    messageEventsUrl,
    streamDlqUrl,
    expected,
    state = { created: new Set(), deadLetters: [], events: 0 },
  }: {
    messageEventsUrl: string;
    streamDlqUrl?: string;
    expected: readonly ExpectedMessage[];
    /** What earlier calls consumed, so the check can be repeated until the system is quiet. */
    state?: MessageEventState;
  },
): Promise<MessageEventVerification> {
  const { created } = state;
  const drain = async (url: string, onBody: (body: Record<string, unknown>) => void, remove: boolean) => {
    // Two empty receives in a row: the emulator answers at once, so this ends quickly on an empty queue.
    for (let empty = 0; empty < 2; ) {
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
          VisibilityTimeout: 300,
        }),
      );
      const messages = out.Messages ?? [];
      if (messages.length === 0) {
        empty++;
        continue;
      }
      empty = 0;
      for (const m of messages) {
        try {
          onBody(JSON.parse(m.Body ?? '{}') as Record<string, unknown>);
        } catch {
          onBody({});
        }
      }
      if (remove)
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: url,
            Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
          }),
        );
    }
  };
  await drain(
    messageEventsUrl,
    (body) => {
      if (body.type !== 'message.created') return;
      state.events++;
      created.add(str((body.payload as Record<string, unknown> | undefined)?.message_uuid));
    },
    true,
  );
  const { deadLetters } = state;
  if (streamDlqUrl)
    await drain(
      streamDlqUrl,
      (body) => {
        // The dead letter carries the stream image as DynamoDB wrote it: `{message_uuid: {S: "..."}}`.
        const image = body.new_image as Record<string, unknown> | null | undefined;
        const field = image?.message_uuid as { S?: unknown } | string | undefined;
        const uuid = typeof field === 'string' ? field : str(field?.S);
        deadLetters.push({ message_uuid: uuid || null, reason: str(body.reason) });
      },
      false,
    );
  const deadLettered = new Set(deadLetters.map((d) => d.message_uuid));
  const violations: Violation[] = expected
    .filter((e) => !created.has(e.message_uuid) && !deadLettered.has(e.message_uuid))
    .map((e) => ({
      kind: 'message_event_lost',
      detail: `accepted message ${e.message_uuid} has no message.created event and no dead letter`,
    }));
  return { events: state.events, deadLetters, violations };
}

export interface SystemVerification {
  table: TableVerification;
  outbox?: OutboxVerification;
  queues?: QueueVerification;
  violations: Violation[];
}

/** Everything the fault-injection suite proves, in one call; each part is optional beyond the table. */
export async function verifySystem(options: {
  doc: DynamoDBDocumentClient;
  table: string;
  expected?: readonly ExpectedMessage[];
  textPrefix?: string;
  databaseUrl?: string;
  sqs?: SQSClient;
  notConsumed?: readonly string[];
  /** Only queues whose name starts with this (an AWS account holds other systems' queues too). */
  queuePrefix?: string;
}): Promise<SystemVerification> {
  const table = await verifyTable(options.doc, options.table, {
    ...(options.expected ? { expected: options.expected } : {}),
    ...(options.textPrefix ? { textPrefix: options.textPrefix } : {}),
  });
  const outbox = options.databaseUrl
    ? await verifyOutbox(options.databaseUrl, options.doc, options.table)
    : undefined;
  const queues = options.sqs
    ? await verifyQueues(options.sqs, {
        ...(options.notConsumed ? { notConsumed: options.notConsumed } : {}),
        ...(options.queuePrefix ? { prefix: options.queuePrefix } : {}),
      })
    : undefined;
  return {
    table,
    ...(outbox ? { outbox } : {}),
    ...(queues ? { queues } : {}),
    violations: [...table.violations, ...(outbox?.violations ?? []), ...(queues?.violations ?? [])],
  };
}

/** Human-readable summary: what was checked, what was found, and up to `limit` violations. */
export function formatVerification(result: SystemVerification, limit = 50): string {
  const t = result.table;
  const lines = [
    `table ${t.table}: ${t.items} items in ${t.pages} pages: ${t.conversations} conversations, ${t.messages} messages, ${t.inboxRows} inbox rows, ${t.profiles} profiles`,
  ];
  if (result.outbox) lines.push(`outbox: ${result.outbox.events} events, ${result.outbox.pending} not sent`);
  if (result.queues) {
    for (const q of result.queues.queues)
      lines.push(
        `queue ${q.name} (${q.role}): ${q.visible} visible, ${q.inFlight} in flight, ${q.delayed} delayed`,
      );
  }
  lines.push(`invariant violations: ${result.violations.length}`);
  for (const v of result.violations.slice(0, limit))
    lines.push(`  ${v.kind}: ${v.detail}${v.pk ? ` [${v.pk}${v.sk ? ` / ${v.sk}` : ''}]` : ''}`);
  if (result.violations.length > limit) lines.push(`  ... and ${result.violations.length - limit} more`);
  return lines.join('\n');
}

function isMain(): boolean {
  try {
    return realpathSync(process.argv[1] ?? '') === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

async function main() {
  const program = new Command('ddb/verify')
    .description(
      "Check the invariants of the messages table: each message stored once under its own key, every inbox row showing its conversation's newest message, members, pair locks and profiles consistent, no orphans. Exit 1 on any violation.",
    )
    .argument('[table]', 'table name (default DDB_MESSAGE_TABLE)')
    .option('--system', 'also check the outbox (DATABASE_URL) and that every consumed SQS queue is drained')
    .option('--queue-prefix <prefix>', 'with --system: only queues whose name starts with this')
    .option('--json', 'print the full result as JSON')
    .option('--prod', 'target AWS instead of the local system')
    .parse();
  const opts = program.opts<{ system?: boolean; json?: boolean; prod?: boolean; queuePrefix?: string }>();
  const prod = opts.prod ?? false;
  const ctx = ddbScriptContext({ prod });
  const table = program.args[0] ?? ctx.config.DDB_MESSAGE_TABLE;
  const sqs = opts.system
    ? createSqsClient({
        region: ctx.config.AWS_REGION,
        endpoint: prod ? undefined : ctx.config.SQS_ENDPOINT,
      })
    : undefined;
  try {
    const env = opts.system
      ? loadScriptConfig(ddbScriptSchema.extend({ DATABASE_URL: z.string().min(1).optional() }), { prod })
      : undefined;
    if (opts.system && !env?.DATABASE_URL) fail('--system needs DATABASE_URL (the users database)');
    const result = await verifySystem({
      doc: ctx.doc,
      table,
      ...(env?.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}),
      ...(sqs ? { sqs } : {}),
      ...(opts.queuePrefix ? { queuePrefix: opts.queuePrefix } : {}),
    });
    console.log(opts.json ? JSON.stringify(result, null, 2) : `${ctx.target}\n${formatVerification(result)}`);
    process.exitCode = result.violations.length > 0 ? 1 : 0;
  } catch (err) {
    fail(`could not verify ${table} on ${ctx.target}`, err);
  } finally {
    ctx.close();
    sqs?.destroy();
  }
}

/**
 * `verifySystem` against a running local system described by its env (what `startSystem` returns or
 * `.data/local.env` holds): builds and closes its own clients, so callers need no AWS SDK of their own.
 */
export async function verifyRunningSystem(
  env: Record<string, string>,
  options: {
    expected?: readonly ExpectedMessage[];
    textPrefix?: string;
    notConsumed?: readonly string[];
  } = {},
): Promise<SystemVerification> {
  const region = env.AWS_REGION ?? 'us-east-1';
  const doc = createDocumentClient({ region, endpoint: env.DDB_ENDPOINT });
  const sqs = createSqsClient({ region, endpoint: env.SQS_ENDPOINT });
  try {
    return await verifySystem({
      doc,
      table: env.DDB_MESSAGE_TABLE ?? DEFAULT_MESSAGE_TABLE,
      ...options,
      ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}),
      sqs,
    });
  } finally {
    doc.destroy();
    sqs.destroy();
  }
}

/** `verifyMessageEvents` against a running local system's env (destructive: see there). */
export async function verifyRunningMessageEvents(
  env: Record<string, string>,
  expected: readonly ExpectedMessage[],
  state?: MessageEventState,
): Promise<MessageEventVerification> {
  if (!env.MESSAGE_EVENTS_QUEUE_URL) throw new Error('MESSAGE_EVENTS_QUEUE_URL is not set');
  const sqs = createSqsClient({ region: env.AWS_REGION ?? 'us-east-1', endpoint: env.SQS_ENDPOINT });
  try {
    return await verifyMessageEvents(sqs, {
      messageEventsUrl: env.MESSAGE_EVENTS_QUEUE_URL,
      ...(env.STREAM_DLQ_URL ? { streamDlqUrl: env.STREAM_DLQ_URL } : {}),
      expected,
      ...(state ? { state } : {}),
    });
  } finally {
    sqs.destroy();
  }
}

if (isMain()) await main();
