import {
  type ConversationItem,
  conversationItem,
  groupConversationItem,
  groupInboxItem,
  type InboxItem,
  inboxItem,
  type MessageItem,
  messageItem,
  messageSortKey,
  messageUuidAt,
  type NewMessage,
  type PairItem,
  pairItem,
  type ReceiptItem,
  receiptItem,
  type SystemEvent,
  sortedMembers,
} from '@cruddur/ddb';
import { systemText } from '@cruddur/messaging';
import { v5 as uuidv5 } from 'uuid';
import {
  type GroupLine,
  SEED_CONVERSATIONS,
  SEED_GROUPS,
  type SeedConversation,
  type SeedGroup,
} from './dialogue.ts';
import { SeedError, type SeedUser } from './resolve-user.ts';

/** The seed as data (pure): the items `seed.ts` writes, the same ones for the same users and anchor. */

/** Fixed namespace for the seed's uuid v5 ids: the same pair and line always get the same ids. */
const SEED_NAMESPACE = '8d3c5a52-4f0e-4c5b-9a63-2f1d7e0b9c41';

/**
 * A seeded message's uuid: a UUIDv7 of its time, as the messaging service gives every new message (so a seeded
 * message can be edited and deleted by uuid like any other), whose other bits come from the v5 hash of `name`, so
 * planning twice gives the same id.
 */
function seedMessageUuid(name: string, createdAt: string): string {
  return messageUuidAt(createdAt, uuidv5(name, SEED_NAMESPACE, new Uint8Array(16)));
}

export interface PlannedConversation {
  groupUuid: string;
  between: readonly [SeedUser, SeedUser];
  pair: PairItem;
  /** Conversation record and messages, for BatchWriteItem. */
  items: (ConversationItem | MessageItem)[];
  /** One row per member, pointing at the conversation's real last message. */
  inbox: InboxItem[];
  /** The read position of each member who has read something: their row's `last_read_key`. */
  receipts: ReceiptItem[];
  messages: number;
}

/**
 * A few reactions, so threads and the patterns show them: the first message gets 👍 from the one it was sent to,
 * the second ❤️ from both. Sets of members, as the messaging service stores them; the version counts the adds.
 */
function withReactions(m: NewMessage, index: number): MessageItem {
  const item = messageItem(m);
  const other = m.members.find((u) => u !== m.senderUuid) ?? m.senderUuid;
  if (index === 0) return { ...item, reactions: { '👍': [other] }, reaction_version: 1 };
  if (index === 1) return { ...item, reactions: { '❤️': [...m.members] }, reaction_version: 2 };
  return item;
}

/** A member's read position at `readKey` (one of `messages`), as a mark records it. */
function receiptAt(owner: string, messages: readonly NewMessage[], readKey: string | undefined) {
  const read = readKey ? messages.find((m) => messageItem(m).sk === readKey) : undefined;
  if (!read) return [];
  return [
    receiptItem({
      groupUuid: read.groupUuid,
      userUuid: owner,
      readKey: messageItem(read).sk,
      messageUuid: read.messageUuid,
      at: read.createdAt,
    }),
  ];
}

/**
 * The seed as data (pure): deterministic ids from the pair and line number, and timestamps relative
 * to `anchor`, so planning twice with the same anchor gives the very same items.
 */
export function planSeed(
  users: ReadonlyMap<string, SeedUser>,
  anchor: Date,
  conversations: readonly SeedConversation[] = SEED_CONVERSATIONS,
): PlannedConversation[] {
  return conversations.map((conversation) => {
    const between = conversation.between.map((handle) => {
      const user = users.get(handle);
      if (!user) throw new SeedError(`no seed user @${handle}`);
      return user;
    }) as [SeedUser, SeedUser];
    const members = sortedMembers(between[0].uuid, between[1].uuid);
    const groupUuid = uuidv5(`conversation:${members.join(':')}`, SEED_NAMESPACE);
    const at = spreadTimes(anchor, conversation.spanMinutes, conversation.lines.length);
    const messages: NewMessage[] = conversation.lines.map(([speaker, text], i) => ({
      groupUuid,
      messageUuid: seedMessageUuid(`message:${groupUuid}:${i}`, at(i)),
      senderUuid: between[speaker].uuid,
      text,
      createdAt: at(i),
      members,
    }));
    const first = messages[0]!;
    const last = messages.at(-1)!;
    // Unread for the other member: the last sender's run of messages at the end of the thread.
    let trailing = 0;
    for (let i = messages.length - 1; i >= 0 && messages[i]!.senderUuid === last.senderUuid; i--) trailing++;
    const other = last.senderUuid === members[0] ? members[1] : members[0];
    return {
      groupUuid,
      between,
      pair: pairItem({ userA: members[0], userB: members[1], groupUuid, createdAt: first.createdAt }),
      items: [
        conversationItem({ groupUuid, members, createdAt: first.createdAt }),
        ...messages.map(withReactions),
      ],
      // Read marks consistent with the stream consumer's unread rule: the last sender has read everything,
      // the other member everything before the last sender's final run of messages.
      inbox: [
        inboxItem(last.senderUuid, other, last, 0, messageItem(last).sk),
        inboxItem(
          other,
          last.senderUuid,
          last,
          trailing,
          lastReadBefore(messages, messages.length - trailing),
        ),
      ],
      receipts: [
        ...receiptAt(last.senderUuid, messages, messageItem(last).sk),
        ...receiptAt(other, messages, lastReadBefore(messages, messages.length - trailing)),
      ],
      messages: messages.length,
    };
  });
}

function lastReadBefore(messages: readonly NewMessage[], index: number): string | undefined {
  const read = messages[index - 1];
  return read ? messageItem(read).sk : undefined;
}

/** The time of line `i` of `n`, evenly from `from` to `to` minutes before the anchor. */
function spreadTimes(anchor: Date, [fromMin, toMin]: readonly [number, number], n: number) {
  const step = n > 1 ? ((fromMin - toMin) * 60_000) / (n - 1) : 0;
  return (i: number) => new Date(Math.round(anchor.getTime() - fromMin * 60_000 + i * step)).toISOString();
}

export interface PlannedGroup {
  groupUuid: string;
  /** Its title after the last rename. */
  title: string;
  /** Its members at the end, in join order. */
  members: readonly SeedUser[];
  /** As the messaging service leaves it after the start, the adds and the renames. */
  conversation: ConversationItem;
  messages: MessageItem[];
  /** One row per member at the last message, by the unread rule. */
  inbox: InboxItem[];
}

/**
 * The seeded groups as data (pure, deterministic like `planSeed`). Each line is committed with the membership
 * and title in force (the add and the rename are system messages that change them), so META, messages and
 * rows are what the messaging service and the stream consumer would have written.
 */
export function planGroups(
  users: ReadonlyMap<string, SeedUser>,
  anchor: Date,
  groups: readonly SeedGroup[] = SEED_GROUPS,
): PlannedGroup[] {
  return groups.map((g) => {
    const people = g.members.map((handle) => {
      const user = users.get(handle);
      if (!user) throw new SeedError(`no seed user @${handle}`);
      return user;
    });
    const person = (i: number) => people[i] ?? fail(`the group has no member ${i}`);
    const creator = person(0);
    const groupUuid = uuidv5(`group:${creator.uuid}:${g.title}`, SEED_NAMESPACE);
    const at = spreadTimes(anchor, g.spanMinutes, g.lines.length);
    let members = people.slice(0, g.founders);
    let title = g.title;
    const joined = new Map<string, string>();
    let stateKey = '';
    const messages = g.lines.map((line, i): NewMessage => {
      const sender = person(line[0]);
      const change = applyLine(line, members, person);
      members = change.members;
      if (change.title !== undefined) title = change.title;
      const m: NewMessage = {
        groupUuid,
        messageUuid: seedMessageUuid(`message:${groupUuid}:${i}`, at(i)),
        senderUuid: sender.uuid,
        text: change.text,
        createdAt: at(i),
        members: members.map((u) => u.uuid),
        group: { title, ...(change.system ? { system: change.system } : {}) },
      };
      const key = messageSortKey(m.createdAt, m.messageUuid);
      // The start is the first state and everyone's join; an add is the added members' join.
      for (const u of members) if (!joined.has(u.uuid)) joined.set(u.uuid, key);
      if (i === 0 || change.system) stateKey = key;
      return m;
    });
    const first = messages[0] ?? fail('a seed group needs lines');
    const last = messages.at(-1) ?? first;
    const conversation: ConversationItem = {
      ...groupConversationItem({
        groupUuid,
        members: people.slice(0, g.founders).map((u) => u.uuid),
        createdBy: creator.uuid,
        title: g.title,
        createdAt: first.createdAt,
        firstMessageKey: messageSortKey(first.createdAt, first.messageUuid),
      }),
      members: members.map((u) => u.uuid),
      title,
      joined: Object.fromEntries(members.map((u) => [u.uuid, joined.get(u.uuid) ?? ''])),
      state_key: stateKey,
    };
    return {
      groupUuid,
      title,
      members,
      conversation,
      messages: messages.map((m) => messageItem(m)),
      inbox: members.map((u) => groupRow(u.uuid, messages, last, joined.get(u.uuid) ?? '')),
    };
  });
}

function applyLine(
  [, line]: GroupLine,
  before: readonly SeedUser[],
  person: (i: number) => SeedUser,
): { text: string; members: SeedUser[]; title?: string; system?: SystemEvent } {
  if (typeof line === 'string') return { text: line, members: [...before] };
  if ('added' in line) {
    const added = line.added.map(person).filter((u) => !before.includes(u));
    const system: SystemEvent = { action: 'added', user_uuids: added.map((u) => u.uuid) };
    const handles = new Map(added.map((u) => [u.uuid, u.handle]));
    return { text: systemText(system, handles), members: [...before, ...added], system };
  }
  const system: SystemEvent = { action: 'renamed', user_uuids: [], title: line.title };
  return { text: systemText(system, new Map()), members: [...before], title: line.title, system };
}

/**
 * A member's row at `last`. They have read up to their own last message (sending is reading), so the unread
 * rule gives: messages after it, at or after their join, sent to them by someone else.
 */
function groupRow(owner: string, messages: readonly NewMessage[], last: NewMessage, joinedKey: string) {
  const key = (m: NewMessage) => messageSortKey(m.createdAt, m.messageUuid);
  const own = messages.filter((m) => m.senderUuid === owner).at(-1);
  const readKey = own ? key(own) : undefined;
  const unread = messages.filter(
    (m) =>
      m.senderUuid !== owner &&
      m.members.includes(owner) &&
      key(m) >= joinedKey &&
      (readKey === undefined || key(m) > readKey),
  ).length;
  return groupInboxItem(owner, last, unread, joinedKey, readKey);
}

function fail(reason: string): never {
  throw new SeedError(reason);
}
