import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { z } from '@cruddur/config';
import {
  conversationItemFields,
  feedItemSchema,
  idempotencyItemSchema,
  inboxItemFields,
  itemKindOf,
  keys,
  messageItemFields,
  pairItemSchema,
  type SystemEvent,
  safeParseItem,
  userItemFields,
} from '@cruddur/ddb';
import type { ExpectedMessage, Violations } from './violations.ts';

/**
 * One strongly consistent pass over the whole table, every page, parsing each item with (a pick of) its
 * shared item schema: the checker reads the attribute names and formats the services write, and only the
 * attributes its invariants look at. An item that does not parse is an `item_malformed` violation and is left
 * out of the checks; the attributes with a violation kind of their own (a conversation's members, an inbox
 * row's unread count) are checked apart so they keep it.
 */

const messageFacts = messageItemFields.pick({
  pk: true,
  sk: true,
  message_uuid: true,
  message_group_uuid: true,
  sender_uuid: true,
  message: true,
  created_at: true,
  members: true,
  kind: true,
  system: true,
  conversation_kind: true,
  title: true,
  deleted: true,
  edit_version: true,
});
const conversationFacts = conversationItemFields.pick({
  message_group_uuid: true,
  kind: true,
  title: true,
  joined: true,
  state_key: true,
});
const inboxFacts = inboxItemFields
  .pick({
    pk: true,
    sk: true,
    owner_uuid: true,
    message_group_uuid: true,
    other_user_uuid: true,
    last_message_key: true,
    last_message_uuid: true,
    last_message_text: true,
    preview_key: true,
    last_message_edit_version: true,
    last_message_deleted: true,
    last_read_key: true,
    kind: true,
    title: true,
    member_count: true,
    member_sample: true,
    joined_key: true,
  })
  // A row without a head shows no message: `inbox_stale`, not malformed.
  .partial({ last_message_key: true, last_message_uuid: true, last_message_text: true });
const pairFacts = pairItemSchema.pick({ pk: true, message_group_uuid: true });
const userFacts = userItemFields.pick({ uuid: true });
const idempotencyFacts = idempotencyItemSchema
  .pick({ pk: true, sk: true, message_group_uuid: true, message_sk: true, expires_at: true })
  .partial({ expires_at: true });

export interface StoredMessage {
  sk: string;
  uuid: string;
  sender: string;
  members: string[];
  /** `conversation_kind: 'group'`. */
  group: boolean;
  /** `kind: 'system'`; `system` is its event, which a valid system message (and only one) carries. */
  systemKind: boolean;
  system: SystemEvent | undefined;
  title: string | undefined;
  /** The stored text; absent on a tombstone (and on a broken message that lost it). */
  text: string | undefined;
  deleted: boolean;
  editVersion: number | undefined;
}

/** What a group's META says beyond its members. */
export interface GroupFacts {
  title: string | undefined;
  joined: Record<string, string> | undefined;
  stateKey: string | undefined;
}

export type InboxFacts = z.infer<typeof inboxFacts> & { unread_count: unknown; unreadValid: boolean };
type IdempotencyFacts = z.infer<typeof idempotencyFacts>;

/** What the scan found, by kind, for the invariant checks. */
export interface TableFacts {
  items: number;
  pages: number;
  messages: number;
  messagesByGroup: Map<string, StoredMessage[]>;
  /** How often each message uuid is stored. */
  uuidCount: Map<string, number>;
  /** How often each expected text is stored. */
  textCount: Map<string, number>;
  storedWithPrefix: number;
  /** Members by conversation; `[]` when the attribute is not a valid member list. */
  conversations: Map<string, string[]>;
  /** The conversations whose META says `kind: 'group'`, by group uuid. */
  groups: Map<string, GroupFacts>;
  inboxRows: InboxFacts[];
  pairs: { pk: string; group: string }[];
  idempotency: IdempotencyFacts[];
  profiles: Set<string>;
}

export interface ScanOptions {
  expected?: readonly ExpectedMessage[];
  textPrefix?: string;
}

export async function scanTableFacts(
  doc: DynamoDBDocumentClient,
  table: string,
  violations: Violations,
  options: ScanOptions = {},
): Promise<TableFacts> {
  const facts: TableFacts = {
    items: 0,
    pages: 0,
    messages: 0,
    messagesByGroup: new Map(),
    uuidCount: new Map(),
    textCount: new Map(),
    storedWithPrefix: 0,
    conversations: new Map(),
    groups: new Map(),
    inboxRows: [],
    pairs: [],
    idempotency: [],
    profiles: new Set(),
  };
  const expectedTexts = new Set((options.expected ?? []).flatMap((e) => (e.text ? [e.text] : [])));
  let start: Record<string, unknown> | undefined;
  do {
    const out = await doc.send(
      new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }),
    );
    facts.pages++;
    for (const item of out.Items ?? []) {
      facts.items++;
      readItem(item, facts, violations, { expectedTexts, textPrefix: options.textPrefix });
    }
    start = out.LastEvaluatedKey;
  } while (start);
  return facts;
}

function readItem(
  item: Record<string, unknown>,
  facts: TableFacts,
  violations: Violations,
  texts: { expectedTexts: Set<string>; textPrefix: string | undefined },
): void {
  const pk = typeof item.pk === 'string' ? item.pk : '';
  const kind = itemKindOf(pk);
  const parse = <S extends z.ZodType>(schema: S): z.output<S> | undefined => {
    const parsed = safeParseItem(schema, item);
    if (parsed.ok) return parsed.item;
    violations.add('item_malformed', `${kind} item: ${parsed.error.detail}`, item);
    return undefined;
  };
  switch (kind) {
    case 'message': {
      const message = parse(messageFacts);
      if (message) readMessage(message, facts, violations, texts);
      break;
    }
    case 'conversation': {
      const conversation = parse(conversationFacts);
      if (!conversation) break;
      const members = conversationItemFields.shape.members.safeParse(item.members);
      facts.conversations.set(conversation.message_group_uuid, members.success ? members.data : []);
      if (conversation.kind === 'group')
        facts.groups.set(conversation.message_group_uuid, {
          title: conversation.title,
          joined: conversation.joined,
          stateKey: conversation.state_key,
        });
      break;
    }
    case 'inbox': {
      const row = parse(inboxFacts);
      const unreadValid = inboxItemFields.shape.unread_count.safeParse(item.unread_count).success;
      if (row) facts.inboxRows.push({ ...row, unread_count: item.unread_count, unreadValid });
      break;
    }
    case 'pair': {
      const pair = parse(pairFacts);
      if (pair) facts.pairs.push({ pk: pair.pk, group: pair.message_group_uuid });
      break;
    }
    case 'user': {
      const user = parse(userFacts);
      if (user) facts.profiles.add(user.uuid);
      break;
    }
    case 'idempotency': {
      const record = parse(idempotencyFacts);
      if (record) facts.idempotency.push(record);
      break;
    }
    case 'seed':
      break;
    case 'feed':
      // A change feed entry: its shape only; what it says is the events' (checked where they are published).
      parse(feedItemSchema);
      break;
    default:
      violations.add('unknown_item', `no item kind has the key prefix of ${pk}`, item);
  }
}

function readMessage(
  m: z.infer<typeof messageFacts>,
  facts: TableFacts,
  violations: Violations,
  texts: { expectedTexts: Set<string>; textPrefix: string | undefined },
): void {
  facts.messages++;
  const expectedKey = keys.message(m.message_group_uuid, m.created_at, m.message_uuid);
  if (m.pk !== expectedKey.pk || m.sk !== expectedKey.sk)
    violations.add(
      'message_key_mismatch',
      `stored under ${m.pk}/${m.sk}, fields say ${expectedKey.pk}/${expectedKey.sk}`,
      m,
    );
  facts.uuidCount.set(m.message_uuid, (facts.uuidCount.get(m.message_uuid) ?? 0) + 1);
  const list = facts.messagesByGroup.get(m.message_group_uuid) ?? [];
  list.push({
    sk: m.sk,
    uuid: m.message_uuid,
    sender: m.sender_uuid,
    members: m.members,
    group: m.conversation_kind === 'group',
    systemKind: m.kind === 'system',
    system: m.system,
    title: m.title,
    text: m.message,
    deleted: m.deleted === true,
    editVersion: m.edit_version,
  });
  facts.messagesByGroup.set(m.message_group_uuid, list);
  const text = m.message ?? '';
  if (texts.expectedTexts.has(text)) facts.textCount.set(text, (facts.textCount.get(text) ?? 0) + 1);
  if (texts.textPrefix && text.startsWith(texts.textPrefix)) facts.storedWithPrefix++;
}
