import { randomUUID } from 'node:crypto';
import { AppError } from '@cruddur/contracts';
import {
  type CursorShape,
  cursorShapes,
  decodeCursor,
  encodeCursor,
  type Key,
  type RelationsItem,
  sortedMembers,
} from '@cruddur/ddb';
import type { Logger } from '@cruddur/logger';
import { inboxCursorKey, messageCursorKey, requestHash } from '../data/requests.ts';
import type { MessageStore } from '../data/store.ts';
import { Drafts, WriteRounds } from './drafts.ts';
import { groupPart, Membership } from './membership.ts';
import { Receipts, toReceipts } from './receipts.ts';
import {
  type ConversationView,
  type MessageView,
  type Page,
  type ReceiptView,
  toConversation,
  toMessage,
  toNewMessageView,
  usersShownBy,
  usersShownByRows,
} from './views.ts';

export type { ConversationView, MessageView, Page, UserShort } from './views.ts';

export interface MessagingOptions {
  store: MessageStore;
  logger: Logger;
  /** Injected so tests can put many messages in the same millisecond. */
  clock?: () => Date;
  newUuid?: () => string;
  /** MESSAGE_RETENTION_DAYS (unset: messages are kept). */
  retentionDays?: number | undefined;
}

/** Reading conversations and sending to them: direct conversations and groups alike (groups' own changes: groups.ts). */
export class Messaging {
  private readonly store: MessageStore;
  readonly drafts: Drafts;
  readonly membership: Membership;
  readonly receipts: Receipts;

  constructor(options: MessagingOptions) {
    this.store = options.store;
    this.drafts = new Drafts({
      store: options.store,
      logger: options.logger,
      clock: options.clock ?? (() => new Date()),
      newUuid: options.newUuid ?? randomUUID,
      retentionDays: options.retentionDays,
    });
    this.membership = new Membership(options.store);
    this.receipts = new Receipts({ store: options.store, clock: options.clock ?? (() => new Date()) });
  }

  async listConversations(userUuid: string, limit: number, cursor?: string): Promise<Page<ConversationView>> {
    const start = this.cursor(cursor, cursorShapes.inbox(userUuid));
    const page = await this.store.listConversations(userUuid, limit, start);
    const profiles = await this.store.getProfiles(usersShownByRows(page.items));
    const last = page.items.at(-1);
    return {
      items: page.items.map((row) => toConversation(row, profiles)),
      next_cursor: page.more && last ? encodeCursor(inboxCursorKey(last))! : null,
    };
  }

  /**
   * A page of the thread, with the read positions the caller may see (`receipts`: every other current member's
   * who sends read receipts; see receipts.ts), read beside the page.
   */
  async listMessages(
    groupUuid: string,
    userUuid: string,
    limit: number,
    before?: string,
  ): Promise<Page<MessageView> & { receipts: ReceiptView[] }> {
    const start = this.cursor(before, cursorShapes.thread(groupUuid));
    const known = this.membership.cachedDirect(groupUuid);
    let members: readonly string[];
    let viewer: { uuid: string; joinedKey: string } | undefined;
    if (known) {
      if (!known.members.includes(userUuid)) throw new AppError('message_group_not_found');
      members = known.members;
    } else {
      const conversation = await this.membership.ofMember(groupUuid, userUuid);
      members = conversation.members;
      // A group member sees what was sent to them: from their join on, while they were a member.
      const joinedKey = conversation.joined?.[userUuid];
      viewer = conversation.kind === 'group' && joinedKey ? { uuid: userUuid, joinedKey } : undefined;
    }
    // The read positions are a Query of their own partition, read beside the page.
    const [page, receipts] = await Promise.all([
      this.store.listMessages(groupUuid, limit, start, viewer),
      this.receipts.visibleTo(groupUuid, userUuid, members),
    ]);
    const profiles = await this.store.getProfiles([
      ...usersShownBy(page.items),
      ...receipts.map((r) => r.user_uuid),
    ]);
    const last = page.items.at(-1);
    return {
      items: page.items.map((m) => toMessage(m, profiles, userUuid)).reverse(),
      next_cursor: page.more && last ? encodeCursor(messageCursorKey(last))! : null,
      receipts: toReceipts(receipts, profiles),
    };
  }

  /** Every read position the caller may see in a conversation (the thread page carries the same). */
  async listReceipts(groupUuid: string, userUuid: string): Promise<{ items: ReceiptView[] }> {
    const conversation = await this.membership.ofMember(groupUuid, userUuid);
    const receipts = await this.receipts.visibleTo(groupUuid, userUuid, conversation.members);
    const profiles = await this.store.getProfiles(receipts.map((r) => r.user_uuid));
    return { items: toReceipts(receipts, profiles) };
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
    const senderProfile = this.store.getProfiles([input.userUuid]);
    senderProfile.catch(() => undefined);
    // Checked here for a fast 404 and for the members the message item carries; the transaction
    // checks membership (and, in a group, the state read here) again, so the message gets exactly the
    // membership in force when it is committed.
    // A group message is hidden from the members who block its sender, as the sender's relations item reads at
    // its commit (the transaction checks the version read); a direct one is refused by a block either way. The
    // item is read beside the conversation, unless this is a direct conversation the replica already knows.
    const knownDirect = this.membership.cachedDirect(input.groupUuid) !== undefined;
    let [conversation, relations] = await Promise.all([
      this.membership.ofMember(input.groupUuid, input.userUuid),
      knownDirect ? undefined : this.store.getRelations(input.userUuid),
    ]);
    for (const rounds = new WriteRounds(); await rounds.next(); ) {
      if (input.idempotencyKey) {
        const replay = await this.drafts.replay(input.userUuid, input.idempotencyKey, hash);
        if (replay) return { message: replay.message, replayed: true };
      }
      const group = conversation.kind === 'group';
      const message = this.drafts.message(
        {
          groupUuid: input.groupUuid,
          senderUuid: input.userUuid,
          text: input.text,
          members: conversation.members,
          group: groupPart(conversation),
          hiddenFrom: group ? hiddenFrom(conversation.members, relations) : undefined,
        },
        conversation.state_key,
      );
      const outcome = await this.store.appendMessage({
        message,
        stateKey: conversation.state_key,
        idempotency: this.drafts.idempotency(input.userUuid, input.idempotencyKey, hash, false),
        relations: group
          ? { version: relations?.version }
          : { notBlockedBy: otherMembers(conversation.members, input.userUuid), bothWays: true },
      });
      if (outcome.ok) return { message: toNewMessageView(message, await senderProfile), replayed: false };
      if (outcome.reason === 'blocked') {
        if (!group) throw new AppError('recipient_unavailable');
        // Someone blocked or unblocked the sender meanwhile: decide whom it is hidden from again.
        relations = await this.store.getRelations(input.userUuid);
        rounds.retryAtOnce();
        continue;
      }
      if (outcome.reason === 'not_member') {
        if (conversation.kind !== 'group') throw new AppError('message_group_not_found');
        // The group changed since it was read (or the sender left): send under its new state, or 404. The
        // failed check returned that state, so no read and no pause is needed.
        conversation = outcome.current ?? (await this.membership.ofMember(input.groupUuid, input.userUuid));
        if (!conversation.members.includes(input.userUuid)) throw new AppError('message_group_not_found');
        rounds.retryAtOnce();
        continue;
      }
      this.drafts.logRetry('create message', outcome);
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
    for (const rounds = new WriteRounds(); await rounds.next(); ) {
      // The recipient's relations decide whether a new conversation is a request; read beside the pair, not after.
      const [replay, pair, recipientRelations] = await Promise.all([
        input.idempotencyKey ? this.drafts.replay(input.userUuid, input.idempotencyKey, hash) : undefined,
        this.store.getPair(input.userUuid, input.recipientUuid),
        this.store.getRelations(input.recipientUuid),
      ]);
      if (replay) return { created: replay.createdConversation, message: replay.message, replayed: true };
      if (!recipient && !pair) throw new AppError('user_not_found');

      if (pair) {
        const members = sortedMembers(input.userUuid, input.recipientUuid);
        const message = this.drafts.message({
          groupUuid: pair.message_group_uuid,
          senderUuid: input.userUuid,
          text: input.text,
          members,
        });
        const outcome = await this.store.appendMessage({
          message,
          idempotency: this.drafts.idempotency(input.userUuid, input.idempotencyKey, hash, false),
          relations: { notBlockedBy: [input.recipientUuid], bothWays: true },
        });
        if (outcome.ok)
          return { created: false, message: toNewMessageView(message, sender), replayed: false };
        if (outcome.reason === 'blocked') throw new AppError('recipient_unavailable');
        if (outcome.reason === 'not_member')
          throw new Error(`pair lock points at a group without ${input.userUuid}`);
        this.drafts.logRetry('append to existing pair', outcome);
        continue;
      }

      // No conversation between them yet: a recipient who takes messages only from people they have one with
      // gets this one as a request (the start checks their item is still as read).
      const members = sortedMembers(input.userUuid, input.recipientUuid);
      const message = this.drafts.message({
        groupUuid: this.drafts.newUuid(),
        senderUuid: input.userUuid,
        text: input.text,
        members,
      });
      const outcome = await this.store.startConversation({
        message,
        recipientUuid: input.recipientUuid,
        idempotency: this.drafts.idempotency(input.userUuid, input.idempotencyKey, hash, true),
        recipientVersion: recipientRelations?.version,
        request: recipientRelations?.who_can_message === 'conversations',
      });
      if (outcome.ok) return { created: true, message: toNewMessageView(message, sender), replayed: false };
      if (outcome.reason === 'blocked') throw new AppError('recipient_unavailable');
      if (outcome.reason === 'state_moved') rounds.retryAtOnce();
      this.drafts.logRetry('start conversation', outcome);
    }
    throw new AppError('conflict');
  }

  async markRead(
    userUuid: string,
    groupUuid: string,
  ): Promise<{ message_group_uuid: string; unread_count: 0 }> {
    const row = await this.store.markRead(userUuid, groupUuid);
    if (!row) throw new AppError('message_group_not_found');
    await this.receipts.record(row);
    return { message_group_uuid: groupUuid, unread_count: 0 };
  }

  private cursor(cursor: string | undefined, shape: CursorShape): Key | undefined {
    const decoded = decodeCursor(cursor, shape);
    if (!decoded.ok) throw new AppError('cursor_invalid');
    return decoded.key;
  }
}

const otherMembers = (members: readonly string[], userUuid: string) => members.filter((m) => m !== userUuid);

/** The members who block the sender, by the sender's relations item: a group message is not sent to them. */
function hiddenFrom(members: readonly string[], relations: RelationsItem | undefined): string[] {
  const blockers = new Set(relations?.blocked_by ?? []);
  return members.filter((m) => blockers.has(m));
}
