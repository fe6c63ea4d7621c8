import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  type BatchGetCommandInput,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { isAwsOutage } from '@cruddur/aws';
import type { UserSnapshot } from '@cruddur/contracts';
import { AppError } from '@cruddur/contracts';
import {
  batchGetAll,
  type ConversationItem,
  cancellationReasons,
  conversationItemSchema,
  failedRoles,
  type IdempotencyItem,
  type InboxItem,
  idempotencyItemSchema,
  inboxItemSchema,
  type Key,
  keys,
  type MessageItem,
  messageItemSchema,
  type NewIdempotency,
  type NewMessage,
  type PairItem,
  pairItemSchema,
  parseItem,
  parseOptionalItem,
  prefixes,
  type ReceiptItem,
  type RelationsItem,
  receiptItemSchema,
  relationsItemSchema,
  type SettingsChange,
  type SettingsItem,
  safeParseItem,
  settingsItemSchema,
  type UserItem,
  userItemSchema,
  type WhoCanMessage,
} from '@cruddur/ddb';
import { failedItem } from './cancellation.ts';
import type { ProfileCache } from './profile-cache.ts';
import {
  buildAddReaction,
  buildFirstReaction,
  buildGetReceipt,
  buildListReceipts,
  buildRecordReceipt,
  buildRemoveReaction,
  type ReactionChange,
} from './reaction-requests.ts';
import {
  buildAcceptRequest,
  buildAppendMessage,
  buildBatchGetProfiles,
  buildChangeGroup,
  buildDeclineRequest,
  buildDeleteMessage,
  buildEditMessage,
  buildEditMessageOnce,
  buildExportMessages,
  buildGetConversation,
  buildGetIdempotency,
  buildGetMessage,
  buildGetPair,
  buildGetProfile,
  buildGetRelations,
  buildListConversations,
  buildListMessages,
  buildListOwnRows,
  buildListSentBy,
  buildListSystemNaming,
  buildMarkRead,
  buildNextOwnRow,
  buildPutDeletedProfile,
  buildPutProfile,
  buildSetBlock,
  buildSetSystemText,
  buildSetWhoCanMessage,
  buildStartConversation,
  buildStartGroup,
  type GroupChange,
  type MessageChange,
  type ProfileRow,
  profileRowSchema,
  type RelationsGuard,
  type Transaction,
} from './requests.ts';
import {
  buildBatchGetPositionsAndSettings,
  buildBatchGetSettings,
  buildChangeSettings,
} from './settings-requests.ts';

export type { ProfileRow };

/**
 * Rethrows DynamoDB outages (unreachable, throttled, the table missing) as a retryable 503
 * `dependency_unavailable`, so the gateway and its clients retry instead of seeing a 500.
 */
function rethrowUnavailable(err: unknown): never {
  if (isAwsOutage(err)) throw AppError.unavailable(err);
  throw err;
}

/** Why a write transaction did not happen, read from its cancellation reasons. */
export type WriteOutcome =
  | { ok: true }
  | {
      ok: false;
      /** `blocked`: the sender's relations check failed (a block between them, or, in a group, a newer version). */
      reason:
        | 'pair_exists'
        | 'not_member'
        | 'idempotency_key_exists'
        | 'state_moved'
        | 'blocked'
        | 'conflict';
      /** With `not_member` and `state_moved`: the conversation as the winner left it, when DynamoDB returned it. */
      current?: ConversationItem | undefined;
    };

/** How an edit or a delete of a message went. */
export type ChangeOutcome =
  | { ok: true; item: MessageItem }
  | {
      ok: false;
      /**
       * `changed`: a condition failed (another change got there first, the window closed, or there is no such
       * message), with the message as it now stands when DynamoDB returned it; `idempotency_key_exists`: a
       * request with the same key won; `conflict`: another transaction held the message.
       */
      reason: 'changed' | 'idempotency_key_exists' | 'conflict';
      current?: MessageItem | undefined;
    };

/**
 * Thin senders: each method sends one built request and turns DynamoDB's answer into a value.
 * Expected outcomes (a lost race, a non-member) are values; anything else is thrown.
 */
export class MessageStore {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    readonly table: string,
    /** Profiles shown in lists and threads, reused for a few seconds; none: every page reads them. */
    private readonly profiles?: ProfileCache,
  ) {}

  async startConversation(input: {
    message: NewMessage;
    recipientUuid: string;
    idempotency?: NewIdempotency | undefined;
    recipientVersion?: number | undefined;
    request?: boolean | undefined;
  }): Promise<WriteOutcome> {
    return this.transact(buildStartConversation(this.table, input), (failed) => {
      if (failed.has('idempotency')) return 'idempotency_key_exists';
      if (failed.has('pair')) return 'pair_exists';
      if (failed.has('relations')) return 'blocked';
      // The recipient changed their setting (or a block changed their item) since it was read: decide again.
      if (failed.has('recipient')) return 'state_moved';
      return undefined;
    });
  }

  async startGroup(input: {
    message: NewMessage;
    title: string | undefined;
    idempotency?: NewIdempotency | undefined;
  }): Promise<WriteOutcome> {
    return this.transact(buildStartGroup(this.table, input), (failed) => {
      if (failed.has('idempotency')) return 'idempotency_key_exists';
      if (failed.has('relations')) return 'blocked';
      return undefined;
    });
  }

  /** An add, leave or rename; `state_moved` when another change (or a leave) got there first. */
  async changeGroup(change: GroupChange): Promise<WriteOutcome> {
    return this.transact(
      buildChangeGroup(this.table, change),
      (failed) => {
        if (failed.has('state')) return 'state_moved';
        if (failed.has('relations')) return 'blocked';
        return undefined;
      },
      'state',
    );
  }

  /** `not_member` also when a group's state moved since `stateKey` was read: the caller re-reads to tell. */
  async appendMessage(input: {
    message: NewMessage;
    stateKey?: string | undefined;
    idempotency?: NewIdempotency | undefined;
    relations: RelationsGuard;
  }): Promise<WriteOutcome> {
    return this.transact(
      buildAppendMessage(this.table, input),
      (failed) => {
        if (failed.has('membership')) return 'not_member';
        if (failed.has('idempotency')) return 'idempotency_key_exists';
        if (failed.has('relations')) return 'blocked';
        return undefined;
      },
      'membership',
    );
  }

  /** An edit; with an idempotency record, in one transaction with it (then `after` is the item it leaves). */
  async editMessage(
    change: MessageChange & { text: string; notBefore: string },
    once?: { idempotency: NewIdempotency; after: MessageItem },
  ): Promise<ChangeOutcome> {
    if (!once) return this.changeMessage(buildEditMessage(this.table, change));
    const request = buildEditMessageOnce(this.table, change, once.idempotency);
    try {
      await this.ddb.send(new TransactWriteCommand(request.input)).catch(rethrowUnavailable);
      return { ok: true, item: once.after };
    } catch (err) {
      const reasons = cancellationReasons(err);
      if (!reasons) {
        if (err instanceof Error && err.name === 'TransactionConflictException')
          return { ok: false, reason: 'conflict' };
        throw err;
      }
      const failed = failedRoles(reasons, request.roles);
      if (failed.has('message')) {
        const item = failedItem(reasons, request.roles, 'message');
        return { ok: false, reason: 'changed', current: item && parseItem(messageItemSchema, item) };
      }
      if (failed.has('idempotency')) return { ok: false, reason: 'idempotency_key_exists' };
      if (reasons.some((r) => r.Code === 'TransactionConflict')) return { ok: false, reason: 'conflict' };
      throw err;
    }
  }

  async deleteMessage(change: MessageChange): Promise<ChangeOutcome> {
    return this.changeMessage(buildDeleteMessage(this.table, change));
  }

  private async changeMessage(input: ConstructorParameters<typeof UpdateCommand>[0]): Promise<ChangeOutcome> {
    try {
      const out = await this.ddb.send(new UpdateCommand(input)).catch(rethrowUnavailable);
      return { ok: true, item: parseItem(messageItemSchema, out.Attributes) };
    } catch (err) {
      if (err instanceof Error && err.name === 'ConditionalCheckFailedException') {
        const item = (err as Error & { Item?: Record<string, AttributeValue> }).Item;
        return {
          ok: false,
          reason: 'changed',
          current: item ? parseItem(messageItemSchema, unmarshall(item)) : undefined,
        };
      }
      if (err instanceof Error && err.name === 'TransactionConflictException')
        return { ok: false, reason: 'conflict' };
      throw err;
    }
  }

  /** An add or a remove of one member's reaction; `changed` with the message as it stands when a condition failed. */
  async changeReaction(change: ReactionChange, action: 'first' | 'add' | 'remove'): Promise<ChangeOutcome> {
    const build = { first: buildFirstReaction, add: buildAddReaction, remove: buildRemoveReaction }[action];
    return this.changeMessage(build(this.table, change));
  }

  /**
   * Records a read position; false when it was not recorded: the member already had this one or a later one, or
   * they do not send read receipts. Another transaction on the same items is tried again a few times.
   */
  async recordReceipt(receipt: ReceiptItem): Promise<boolean> {
    const request = buildRecordReceipt(this.table, receipt);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.ddb.send(new TransactWriteCommand(request.input)).catch(rethrowUnavailable);
        return true;
      } catch (err) {
        const reasons = cancellationReasons(err);
        if (reasons && failedRoles(reasons, request.roles).size > 0) return false;
        const conflict =
          (err instanceof Error && err.name === 'TransactionConflictException') ||
          reasons?.some((r) => r.Code === 'TransactionConflict');
        if (!conflict || attempt >= 5) throw err;
        await new Promise((r) => setTimeout(r, 10 * 2 ** attempt));
      }
    }
  }

  async getReceipt(groupUuid: string, userUuid: string): Promise<ReceiptItem | undefined> {
    return parseOptionalItem(
      receiptItemSchema,
      await this.get(buildGetReceipt(this.table, groupUuid, userUuid)),
    );
  }

  async listReceipts(groupUuid: string): Promise<ReceiptItem[]> {
    const items: ReceiptItem[] = [];
    let start: Key | undefined;
    do {
      const out = await this.ddb
        .send(new QueryCommand({ ...buildListReceipts(this.table, groupUuid), ExclusiveStartKey: start }))
        .catch(rethrowUnavailable);
      items.push(...(out.Items ?? []).map((i) => parseItem(receiptItemSchema, i)));
      start = out.LastEvaluatedKey as Key | undefined;
    } while (start);
    return items;
  }

  /**
   * The recorded positions of `others` in a conversation and the settings of `viewer` and `others`, in one request
   * (buildBatchGetPositionsAndSettings); users who never changed their settings are absent (the defaults).
   */
  async getPositionsAndSettings(
    groupUuid: string,
    viewer: string,
    others: readonly string[],
  ): Promise<{ receipts: ReceiptItem[]; settings: Map<string, SettingsItem> }> {
    const receipts: ReceiptItem[] = [];
    const settings = new Map<string, SettingsItem>();
    const request = buildBatchGetPositionsAndSettings(this.table, groupUuid, viewer, others);
    for (const item of await this.batchGetAll(request)) {
      if (String(item.pk).startsWith(prefixes.settings)) {
        const found = parseItem(settingsItemSchema, item);
        settings.set(found.user_uuid, found);
      } else receipts.push(parseItem(receiptItemSchema, item));
    }
    return { receipts, settings };
  }

  /** Settings by user, strongly consistent; users who never changed theirs are absent (the defaults). */
  async getSettings(userUuids: readonly string[]): Promise<Map<string, SettingsItem>> {
    const found = new Map<string, SettingsItem>();
    for (const request of buildBatchGetSettings(this.table, userUuids)) {
      for (const item of await this.batchGetAll(request)) {
        const settings = parseItem(settingsItemSchema, item);
        found.set(settings.user_uuid, settings);
      }
    }
    return found;
  }

  /** Sets what `change` names, leaving every other setting as it is; answers the settings afterwards. */
  async changeSettings(userUuid: string, change: SettingsChange, at: string): Promise<SettingsItem> {
    const out = await this.ddb
      .send(new UpdateCommand(buildChangeSettings(this.table, userUuid, change, at)))
      .catch(rethrowUnavailable);
    return parseItem(settingsItemSchema, out.Attributes);
  }

  /** Sends a transaction; a cancellation is classified by the roles of the items whose condition failed. */
  private async transact<Role extends string>(
    request: Transaction<Role>,
    classify: (failed: Set<Role>) => Exclude<WriteOutcome, { ok: true }>['reason'] | undefined,
    /** The role of the conversation's META, whose current state a failed check returns. */
    conversationRole?: Role,
  ): Promise<WriteOutcome> {
    try {
      await this.ddb.send(new TransactWriteCommand(request.input)).catch(rethrowUnavailable);
      return { ok: true };
    } catch (err) {
      const reasons = cancellationReasons(err);
      if (!reasons) {
        // Another transaction held one of the items: nothing was written, so trying again is safe.
        if (err instanceof Error && err.name === 'TransactionConflictException')
          return { ok: false, reason: 'conflict' };
        throw err;
      }
      const reason = classify(failedRoles(reasons, request.roles));
      if (reason) {
        const item = conversationRole && failedItem(reasons, request.roles, conversationRole);
        const current = item ? safeParseItem(conversationItemSchema, item) : undefined;
        return { ok: false, reason, ...(current?.ok ? { current: current.item } : {}) };
      }
      if (reasons.some((r) => r.Code === 'TransactionConflict')) return { ok: false, reason: 'conflict' };
      throw err;
    }
  }

  // Reads parse what DynamoDB returns with the item's schema; a malformed item throws MalformedItemError (a 500).

  async getPair(a: string, b: string): Promise<PairItem | undefined> {
    return parseOptionalItem(pairItemSchema, await this.get(buildGetPair(this.table, a, b)));
  }

  async getConversation(groupUuid: string): Promise<ConversationItem | undefined> {
    return parseOptionalItem(
      conversationItemSchema,
      await this.get(buildGetConversation(this.table, groupUuid)),
    );
  }

  async getIdempotency(senderUuid: string, key: string): Promise<IdempotencyItem | undefined> {
    return parseOptionalItem(
      idempotencyItemSchema,
      await this.get(buildGetIdempotency(this.table, senderUuid, key)),
    );
  }

  async getMessage(groupUuid: string, sk: string): Promise<MessageItem | undefined> {
    return parseOptionalItem(messageItemSchema, await this.get(buildGetMessage(this.table, groupUuid, sk)));
  }

  /** Who the user blocks and who blocks them; strongly consistent, so a block is seen at once on every replica. */
  async getRelations(userUuid: string): Promise<RelationsItem | undefined> {
    return parseOptionalItem(relationsItemSchema, await this.get(buildGetRelations(this.table, userUuid)));
  }

  /** Blocks (`on`) or unblocks; idempotent. A conflict with a send in flight is retried by the caller. */
  async setBlock(input: { blockerUuid: string; blockedUuid: string; on: boolean }): Promise<WriteOutcome> {
    try {
      await this.ddb
        .send(new TransactWriteCommand(buildSetBlock(this.table, input)))
        .catch(rethrowUnavailable);
      return { ok: true };
    } catch (err) {
      if (err instanceof Error && err.name === 'TransactionConflictException')
        return { ok: false, reason: 'conflict' };
      if (cancellationReasons(err)?.some((r) => r.Code === 'TransactionConflict'))
        return { ok: false, reason: 'conflict' };
      throw err;
    }
  }

  async getProfile(userUuid: string): Promise<UserItem | undefined> {
    return parseOptionalItem(userItemSchema, await this.get(buildGetProfile(this.table, userUuid)));
  }

  private async get(input: ConstructorParameters<typeof GetCommand>[0]) {
    return (await this.ddb.send(new GetCommand(input)).catch(rethrowUnavailable)).Item;
  }

  /**
   * A page of the user's conversations (or, with `requests`, of their message requests), newest first. The filter
   * that tells the two apart applies after DynamoDB's limit, so pages are read until full or the partition ends.
   */
  async listConversations(
    ownerUuid: string,
    limit: number,
    startKey?: Key,
    requests = false,
  ): Promise<{ items: InboxItem[]; more: boolean }> {
    const items: Record<string, unknown>[] = [];
    let from = startKey;
    do {
      const out = await this.ddb
        .send(new QueryCommand(buildListConversations(this.table, ownerUuid, limit, from, requests)))
        .catch(rethrowUnavailable);
      items.push(...(out.Items ?? []));
      from = out.LastEvaluatedKey as Key | undefined;
    } while (from && items.length <= limit);
    // The look-ahead item only says whether there is more; it is not parsed.
    return {
      items: items.slice(0, limit).map((i) => parseItem(inboxItemSchema, i)),
      more: items.length > limit || (from !== undefined && items.length === limit),
    };
  }

  async setWhoCanMessage(userUuid: string, value: WhoCanMessage): Promise<void> {
    await this.ddb
      .send(new UpdateCommand(buildSetWhoCanMessage(this.table, userUuid, value)))
      .catch(rethrowUnavailable);
  }

  /** False when the row is not a pending request of the owner (none, or already accepted). */
  async acceptRequest(ownerUuid: string, groupUuid: string): Promise<boolean> {
    try {
      await this.ddb
        .send(new UpdateCommand(buildAcceptRequest(this.table, ownerUuid, groupUuid)))
        .catch(rethrowUnavailable);
      return true;
    } catch (err) {
      if (err instanceof Error && err.name === 'ConditionalCheckFailedException') return false;
      throw err;
    }
  }

  /** `not_member` when the row is not a pending request of the owner. */
  async declineRequest(input: {
    ownerUuid: string;
    senderUuid: string;
    groupUuid: string;
  }): Promise<WriteOutcome> {
    return this.transact(buildDeclineRequest(this.table, input), (failed) =>
      failed.has('row') ? 'not_member' : undefined,
    );
  }

  /**
   * A page of messages, newest first. With `viewer` (a group), only those sent to them; the filter is applied
   * after DynamoDB's limit, so pages are read until full or the partition ends.
   */
  async listMessages(
    groupUuid: string,
    limit: number,
    startKey?: Key,
    viewer?: { uuid: string; joinedKey: string },
  ): Promise<{ items: MessageItem[]; more: boolean }> {
    const items: Record<string, unknown>[] = [];
    let from = startKey;
    do {
      const out = await this.ddb
        .send(new QueryCommand(buildListMessages(this.table, groupUuid, limit, from, viewer)))
        .catch(rethrowUnavailable);
      items.push(...(out.Items ?? []));
      from = viewer ? (out.LastEvaluatedKey as Key | undefined) : undefined;
    } while (from && items.length <= limit);
    return {
      items: items.slice(0, limit).map((i) => parseItem(messageItemSchema, i)),
      more: items.length > limit || (from !== undefined && items.length === limit),
    };
  }

  /** Returns undefined when the caller has no inbox row for the group (not a member, or no such group). */
  async markRead(ownerUuid: string, groupUuid: string): Promise<InboxItem | undefined> {
    try {
      const out = await this.ddb
        .send(new UpdateCommand(buildMarkRead(this.table, ownerUuid, groupUuid)))
        .catch(rethrowUnavailable);
      return parseItem(inboxItemSchema, out.Attributes);
    } catch (err) {
      if (err instanceof Error && err.name === 'ConditionalCheckFailedException') return undefined;
      throw err;
    }
  }

  /** Profiles by uuid; users not in the replica yet are simply absent. */
  async getProfiles(userUuids: readonly string[]): Promise<Map<string, ProfileRow>> {
    const found = new Map<string, ProfileRow>();
    const missing: string[] = [];
    for (const uuid of userUuids) {
      if (found.has(uuid)) continue;
      const cached = this.profiles?.get(uuid);
      if (cached) found.set(uuid, cached);
      else missing.push(uuid);
    }
    if (missing.length === 0) return found;
    const startedAt = this.profiles?.now() ?? 0;
    for (const request of buildBatchGetProfiles(this.table, missing)) {
      for (const item of await this.batchGetAll(request)) {
        const row = parseItem(profileRowSchema, item);
        found.set(row.uuid, row);
        this.profiles?.fill(row, startedAt);
      }
    }
    return found;
  }

  private batchGetAll(request: BatchGetCommandInput): Promise<Record<string, unknown>[]> {
    return batchGetAll(this.ddb, request, rethrowUnavailable);
  }

  /** The conversations a user has a row in, page by page (a deletion walks them). */
  async *ownConversations(ownerUuid: string): AsyncGenerator<string> {
    let startKey: Key | undefined;
    do {
      const out = await this.ddb
        .send(new QueryCommand(buildListOwnRows(this.table, ownerUuid, startKey)))
        .catch(rethrowUnavailable);
      for (const item of out.Items ?? []) yield String(item.sk);
      startKey = out.LastEvaluatedKey as Key | undefined;
    } while (startKey);
  }

  /** A sender's text messages in a conversation that still have their text, page by page. */
  async *sentBy(groupUuid: string, senderUuid: string): AsyncGenerator<MessageItem> {
    let startKey: Key | undefined;
    do {
      const out = await this.ddb
        .send(new QueryCommand(buildListSentBy(this.table, groupUuid, senderUuid, startKey)))
        .catch(rethrowUnavailable);
      for (const item of out.Items ?? []) yield parseItem(messageItemSchema, item);
      startKey = out.LastEvaluatedKey as Key | undefined;
    } while (startKey);
  }

  /** A group's system messages that name the user, page by page. */
  async *systemNaming(groupUuid: string, userUuid: string): AsyncGenerator<MessageItem> {
    let startKey: Key | undefined;
    do {
      const out = await this.ddb
        .send(new QueryCommand(buildListSystemNaming(this.table, groupUuid, userUuid, startKey)))
        .catch(rethrowUnavailable);
      for (const item of out.Items ?? []) yield parseItem(messageItemSchema, item);
      startKey = out.LastEvaluatedKey as Key | undefined;
    } while (startKey);
  }

  async setSystemText(groupUuid: string, sk: string, text: string): Promise<void> {
    await this.ddb
      .send(new UpdateCommand(buildSetSystemText(this.table, groupUuid, sk, text)))
      .catch(rethrowUnavailable);
  }

  /** The user's next conversation (by group uuid) after `afterGroup`, or undefined when there is none. */
  async nextOwnConversation(ownerUuid: string, afterGroup?: string): Promise<string | undefined> {
    const out = await this.ddb
      .send(new QueryCommand(buildNextOwnRow(this.table, ownerUuid, afterGroup)))
      .catch(rethrowUnavailable);
    const sk = out.Items?.[0]?.sk;
    return typeof sk === 'string' ? sk : undefined;
  }

  /** One page of messages oldest first; `last` is where the next page starts (undefined: the conversation ended). */
  async exportMessages(
    groupUuid: string,
    limit: number,
    afterSk?: string,
    viewer?: { uuid: string; joinedKey: string },
  ): Promise<{ items: MessageItem[]; last: string | undefined }> {
    const out = await this.ddb
      .send(new QueryCommand(buildExportMessages(this.table, groupUuid, limit, afterSk, viewer)))
      .catch(rethrowUnavailable);
    const last = out.LastEvaluatedKey?.sk;
    return {
      items: (out.Items ?? []).map((i) => parseItem(messageItemSchema, i)),
      last: typeof last === 'string' ? last : undefined,
    };
  }

  async deleteInboxRow(ownerUuid: string, groupUuid: string): Promise<void> {
    await this.ddb
      .send(new DeleteCommand({ TableName: this.table, Key: keys.inbox(ownerUuid, groupUuid) }))
      .catch(rethrowUnavailable);
  }

  async putDeletedProfile(userUuid: string): Promise<void> {
    await this.ddb
      .send(new PutCommand(buildPutDeletedProfile(this.table, userUuid)))
      .catch(rethrowUnavailable);
    this.profiles?.invalidate(userUuid);
  }

  /** Returns false when the replica already holds this version or a newer one. */
  async putProfile(user: UserSnapshot): Promise<boolean> {
    try {
      await this.ddb.send(new PutCommand(buildPutProfile(this.table, user))).catch(rethrowUnavailable);
      this.profiles?.invalidate(user.uuid);
      return true;
    } catch (err) {
      if (err instanceof Error && err.name === 'ConditionalCheckFailedException') return false;
      throw err;
    }
  }
}
