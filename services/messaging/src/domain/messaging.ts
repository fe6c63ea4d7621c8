import { randomUUID } from 'node:crypto';
import { AppError, toTimestamp } from '@cruddur/contracts';
import {
  type CursorShape,
  cursorShapes,
  decodeCursor,
  encodeCursor,
  type IdempotencyItem,
  type InboxItem,
  type Key,
  type MessageItem,
  type NewIdempotency,
  type NewMessage,
  sortedMembers,
} from '@cruddur/ddb';
import type { Logger } from '@cruddur/logger';
import { IDEMPOTENCY_TTL_SECONDS, inboxCursorKey, messageCursorKey, requestHash } from '../data/requests.ts';
import type { MessageStore, ProfileRow, WriteOutcome } from '../data/store.ts';
import { MembersCache } from './members-cache.ts';

export interface UserShort {
  uuid: string;
  handle: string;
  display_name: string;
}

export interface MessageView {
  uuid: string;
  message_group_uuid: string;
  message: string;
  created_at: string;
  sender: UserShort;
}

export interface ConversationView {
  message_group_uuid: string;
  other_user: UserShort;
  last_message: {
    uuid: string;
    message: string;
    created_at: string;
    sender_uuid: string;
    sender_handle: string;
  };
  unread_count: number;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface MessagingOptions {
  store: MessageStore;
  logger: Logger;
  /** Injected so tests can put many messages in the same millisecond. */
  clock?: () => Date;
  newUuid?: () => string;
}

/** A profile the replica has not received yet: shown, never an error (the event may be seconds away). */
function unknownUser(uuid: string): UserShort {
  return { uuid, handle: '', display_name: 'Unknown user' };
}

// Lost races (another writer on the same items) are retried a few times before giving up with a
// retryable 409; each round re-reads what the winner wrote.
const MAX_ROUNDS = 8;

export class Messaging {
  private readonly store: MessageStore;
  private readonly logger: Logger;
  private readonly clock: () => Date;
  private readonly newUuid: () => string;
  private readonly members = new MembersCache();

  constructor(options: MessagingOptions) {
    this.store = options.store;
    this.logger = options.logger;
    this.clock = options.clock ?? (() => new Date());
    this.newUuid = options.newUuid ?? randomUUID;
  }

  async listConversations(userUuid: string, limit: number, cursor?: string): Promise<Page<ConversationView>> {
    const start = this.cursor(cursor, cursorShapes.inbox(userUuid));
    const page = await this.store.listConversations(userUuid, limit, start);
    const profiles = await this.store.getProfiles(
      page.items.flatMap((i) =>
        i.other_user_uuid ? [i.other_user_uuid, i.last_sender_uuid] : [i.last_sender_uuid],
      ),
    );
    const last = page.items.at(-1);
    return {
      items: page.items.map((row) => toConversation(row, profiles)),
      next_cursor: page.more && last ? encodeCursor(inboxCursorKey(last))! : null,
    };
  }

  async listMessages(
    groupUuid: string,
    userUuid: string,
    limit: number,
    before?: string,
  ): Promise<Page<MessageView>> {
    const start = this.cursor(before, cursorShapes.thread(groupUuid));
    // Both reads at once; the page is thrown away unless the caller turns out to be a member.
    const [members, page] = await Promise.all([
      this.membersOf(groupUuid),
      this.store.listMessages(groupUuid, limit, start),
    ]);
    if (!members?.includes(userUuid)) throw new AppError('message_group_not_found');
    const profiles = await this.store.getProfiles(page.items.map((m) => m.sender_uuid));
    const last = page.items.at(-1);
    return {
      items: page.items.map((m) => toMessage(m, profiles)).reverse(),
      next_cursor: page.more && last ? encodeCursor(messageCursorKey(last))! : null,
    };
  }

  /** A message in an existing conversation. `replayed` is true when an idempotency key matched. */
  async createMessage(input: {
    groupUuid: string;
    userUuid: string;
    text: string;
    idempotencyKey?: string | undefined;
  }): Promise<{ message: MessageView; replayed: boolean }> {
    const hash = requestHash(['group', input.groupUuid, input.text]);
    // The sender's profile is only needed for the answer, so it is read while the write runs.
    const senderProfile = this.store.getProfileRow(input.userUuid);
    senderProfile.catch(() => undefined);
    const members = await this.membersOf(input.groupUuid);
    // Checked here for a fast 404 and for the members the message item carries; the transaction
    // checks membership again so the write itself can never land in a foreign group.
    if (!members?.includes(input.userUuid)) throw new AppError('message_group_not_found');
    for (let round = 0; round < MAX_ROUNDS; round++) {
      if (round > 0) await backoff(round);
      if (input.idempotencyKey) {
        const replay = await this.replay(input.userUuid, input.idempotencyKey, hash);
        if (replay) return { message: replay.message, replayed: true };
      }
      const message = this.newMessage(input.groupUuid, input.userUuid, input.text, members);
      const outcome = await this.store.appendMessage({
        message,
        idempotency: this.idempotency(input.userUuid, input.idempotencyKey, hash, false),
      });
      if (outcome.ok) return { message: view(message, await senderProfile), replayed: false };
      if (outcome.reason === 'not_member') throw new AppError('message_group_not_found');
      this.logRetry('create message', outcome);
    }
    throw new AppError('conflict');
  }

  /**
   * Starts the one conversation between two users, or adds to it when it exists. When two starts race,
   * the pair lock lets exactly one create the group; the other appends its message to that group.
   */
  async startConversation(input: {
    userUuid: string;
    recipientUuid: string;
    /** The recipient as the users service knows them, when the caller has it (see the route). */
    recipientProfile?: { handle: string; display_name: string } | undefined;
    text: string;
    idempotencyKey?: string | undefined;
  }): Promise<{ created: boolean; message: MessageView; replayed: boolean }> {
    if (input.userUuid === input.recipientUuid) throw new AppError('cannot_message_self');
    const hash = requestHash(['start', input.recipientUuid, input.text]);
    const [known, sender] = await Promise.all([
      this.store.getProfile(input.recipientUuid),
      this.store.getProfile(input.userUuid),
    ]);
    let recipient = known;
    if (!recipient && input.recipientProfile) {
      // Version 0 is below every real event's version, so the user's own events replace it as they arrive.
      const placeholder = { uuid: input.recipientUuid, ...input.recipientProfile, bio: null, version: 0 };
      await this.store.putProfile(placeholder);
      recipient = await this.store.getProfile(input.recipientUuid);
    }
    for (let round = 0; round < MAX_ROUNDS; round++) {
      if (round > 0) await backoff(round);
      const [replay, pair] = await Promise.all([
        input.idempotencyKey ? this.replay(input.userUuid, input.idempotencyKey, hash) : undefined,
        this.store.getPair(input.userUuid, input.recipientUuid),
      ]);
      if (replay) return { created: replay.createdConversation, message: replay.message, replayed: true };
      if (!recipient && !pair) throw new AppError('user_not_found');

      if (pair) {
        const members = sortedMembers(input.userUuid, input.recipientUuid);
        const message = this.newMessage(pair.message_group_uuid, input.userUuid, input.text, members);
        const outcome = await this.store.appendMessage({
          message,
          idempotency: this.idempotency(input.userUuid, input.idempotencyKey, hash, false),
        });
        if (outcome.ok) return { created: false, message: view(message, sender), replayed: false };
        if (outcome.reason === 'not_member')
          throw new Error(`pair lock points at a group without ${input.userUuid}`);
        this.logRetry('append to existing pair', outcome);
        continue;
      }

      const members = sortedMembers(input.userUuid, input.recipientUuid);
      const message = this.newMessage(this.newUuid(), input.userUuid, input.text, members);
      const outcome = await this.store.startConversation({
        message,
        recipientUuid: input.recipientUuid,
        idempotency: this.idempotency(input.userUuid, input.idempotencyKey, hash, true),
      });
      if (outcome.ok) return { created: true, message: view(message, sender), replayed: false };
      this.logRetry('start conversation', outcome);
    }
    throw new AppError('conflict');
  }

  async markRead(
    userUuid: string,
    groupUuid: string,
  ): Promise<{ message_group_uuid: string; unread_count: 0 }> {
    const row = await this.store.markRead(userUuid, groupUuid);
    if (!row) throw new AppError('message_group_not_found');
    return { message_group_uuid: groupUuid, unread_count: 0 };
  }

  /** A conversation's members (immutable once created), from the cache or a consistent read. */
  private async membersOf(groupUuid: string): Promise<readonly string[] | undefined> {
    const cached = this.members.get(groupUuid);
    if (cached) return cached;
    const conversation = await this.store.getConversation(groupUuid);
    if (conversation) this.members.set(groupUuid, conversation.members);
    return conversation?.members;
  }

  private cursor(cursor: string | undefined, shape: CursorShape): Key | undefined {
    const decoded = decodeCursor(cursor, shape);
    if (!decoded.ok) throw new AppError('cursor_invalid');
    return decoded.key;
  }

  private newMessage(
    groupUuid: string,
    senderUuid: string,
    text: string,
    members: readonly string[],
  ): NewMessage {
    return {
      groupUuid,
      messageUuid: this.newUuid(),
      senderUuid,
      text,
      createdAt: toTimestamp(this.clock()),
      members,
    };
  }

  private idempotency(
    senderUuid: string,
    key: string | undefined,
    hash: string,
    createdConversation: boolean,
  ): NewIdempotency | undefined {
    if (!key) return undefined;
    const now = this.clock();
    return {
      senderUuid,
      key,
      requestHash: hash,
      createdConversation,
      createdAt: toTimestamp(now),
      expiresAt: Math.floor(now.getTime() / 1000) + IDEMPOTENCY_TTL_SECONDS,
    };
  }

  /** The message an earlier request with this key made, or a 409 when the key was used for something else. */
  private async replay(
    senderUuid: string,
    key: string,
    hash: string,
  ): Promise<{ message: MessageView; createdConversation: boolean } | undefined> {
    const record: IdempotencyItem | undefined = await this.store.getIdempotency(senderUuid, key);
    if (!record) return undefined;
    if (record.request_hash !== hash) throw new AppError('idempotency_key_reused');
    const [item, sender] = await Promise.all([
      this.store.getMessage(record.message_group_uuid, record.message_sk),
      this.store.getProfile(senderUuid),
    ]);
    // Written in the same transaction as the record, so its absence is a bug, not a race.
    if (!item) throw new Error(`idempotency record ${key} points at a missing message`);
    const profiles = new Map(sender ? [[senderUuid, sender]] : []);
    return { message: toMessage(item, profiles), createdConversation: record.created_conversation };
  }

  private logRetry(what: string, outcome: WriteOutcome) {
    this.logger.debug({ outcome }, `${what}: lost a race, reading the winner and trying again`);
  }
}

function profileOf(uuid: string, profiles: Map<string, ProfileRow>): UserShort {
  const p = profiles.get(uuid);
  return p ? { uuid, handle: p.handle, display_name: p.display_name } : unknownUser(uuid);
}

function toMessage(item: MessageItem, profiles: Map<string, ProfileRow>): MessageView {
  return {
    uuid: item.message_uuid,
    message_group_uuid: item.message_group_uuid,
    message: item.message,
    created_at: item.created_at,
    sender: profileOf(item.sender_uuid, profiles),
  };
}

function view(m: NewMessage, sender: ProfileRow | undefined): MessageView {
  return {
    uuid: m.messageUuid,
    message_group_uuid: m.groupUuid,
    message: m.text,
    created_at: m.createdAt,
    sender: sender
      ? { uuid: m.senderUuid, handle: sender.handle, display_name: sender.display_name }
      : unknownUser(m.senderUuid),
  };
}

function toConversation(row: InboxItem, profiles: Map<string, ProfileRow>): ConversationView {
  return {
    message_group_uuid: row.message_group_uuid,
    // Only a row the stream consumer made for a message naming no other member lacks it; this service never does.
    other_user: profileOf(row.other_user_uuid ?? '', profiles),
    last_message: {
      uuid: row.last_message_uuid,
      message: row.last_message_text,
      created_at: row.last_message_at,
      sender_uuid: row.last_sender_uuid,
      sender_handle: profileOf(row.last_sender_uuid, profiles).handle,
    },
    unread_count: row.unread_count,
  };
}

function backoff(round: number): Promise<void> {
  const ms = Math.random() * 10 * 2 ** round;
  return new Promise((resolve) => setTimeout(resolve, ms));
}
