import { type DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  type InboxItem,
  inboxItemSchema,
  isGroupMessage,
  type MalformedItemError,
  type MessageItem,
  parseItem,
  parseOptionalItem,
  safeParseItem,
} from '@cruddur/ddb';
import { isConditionalCheckFailed, RecordError } from '../errors.ts';
import {
  buildAdvanceInbox,
  buildGetInbox,
  buildSetUnread,
  buildUnreadQuery,
  unreadProjection,
} from './inbox-requests.ts';

/**
 * What one member's row did: moved to this message, already showed it, is past it (maybe recounted), or is gone
 * (a group member who left since: their row is deleted and stays so).
 */
export type MemberOutcome = 'advanced' | 'current' | 'recounted' | 'past' | 'gone';

/**
 * A member's row as an update returned it (ALL_NEW), parsed once: the row, or why it does not match the inbox
 * item schema. The update has happened either way; only the row's event depends on it.
 */
export type UpdatedRow = InboxItem | MalformedItemError;

export interface MemberResult {
  outcome: MemberOutcome;
  row: UpdatedRow | undefined;
}

// A row that changes under us this many times in a row is left to the record's next attempt.
const MAX_ROW_ROUNDS = 5;

/** Applies one message to every member's inbox row; see inbox-requests.ts for the forward-only and unread rules. */
export class InboxUpdater {
  constructor(
    private readonly options: {
      ddb: DynamoDBDocumentClient;
      table: string;
      onWriteUnits?: ((units: number) => void) | undefined;
    },
  ) {}

  async apply(message: MessageItem): Promise<({ owner: string } & MemberResult)[]> {
    return Promise.all(
      message.members.map(async (owner) => ({ owner, ...(await this.applyForMember(owner, message)) })),
    );
  }

  /**
   * Catch-up shortcut for several new messages of one conversation in one batch: each member's row jumps straight
   * to the newest, adding the count of the others' messages, provided the row is still below the oldest of them
   * (so none of them was counted yet) and nothing was read past it. Rows that are not get the one-by-one path.
   */
  async applyMany(messages: MessageItem[]): Promise<({ owner: string } & MemberResult)[]> {
    const { table } = this.options;
    const byKey = [...messages].sort((x, y) => (x.sk < y.sk ? -1 : x.sk > y.sk ? 1 : 0));
    const oldest = byKey[0]!;
    const newest = byKey.at(-1)!;
    return Promise.all(
      newest.members.map(async (owner) => {
        const unread = messages.filter((m) => m.sender_uuid !== owner).length;
        const moved = await this.tryUpdate(
          buildAdvanceInbox({
            table,
            owner,
            message: newest,
            unreadIncrement: unread,
            behindKey: oldest.sk,
          }),
        );
        if (moved) return { owner, outcome: 'advanced' as const, row: moved };
        return { owner, ...(await this.applyManyForMember(owner, byKey)) };
      }),
    );
  }

  /**
   * The row was not below the oldest message: some were applied already (a replay, or the conversation's first
   * message written with its rows). Messages above the row's head still go in one update; one recount covers all
   * older ones, which cannot move the row.
   */
  private async applyManyForMember(owner: string, byKey: MessageItem[]): Promise<MemberResult> {
    const { table } = this.options;
    const newest = byKey.at(-1)!;
    const row = await this.getRow(owner, newest.message_group_uuid);
    if (!row) return this.oneByOne(owner, byKey);
    const { last_message_key: head, last_read_key: readKey } = row;
    let result: MemberResult = { outcome: byKey.some((m) => m.sk === head) ? 'current' : 'past', row };
    const late = byKey.find(
      (m) => m.sk < head && m.sender_uuid !== owner && (readKey === undefined || m.sk > readKey),
    );
    if (late) {
      const recount = await this.applyForMember(owner, late);
      if (recount.outcome === 'recounted') result = recount;
    }
    const newer = byKey.filter((m) => m.sk > head);
    if (newer.length === 0) return result;
    const moved = await this.tryUpdate(
      buildAdvanceInbox({
        table,
        owner,
        message: newest,
        unreadIncrement: newer.filter((m) => m.sender_uuid !== owner).length,
        behindKey: newer[0]!.sk,
      }),
    );
    return moved ? { outcome: 'advanced', row: moved } : this.oneByOne(owner, newer);
  }

  private async oneByOne(owner: string, byKey: MessageItem[]): Promise<MemberResult> {
    let last: MemberResult = { outcome: 'past', row: undefined };
    for (const message of byKey) {
      const result = await this.applyForMember(owner, message);
      if (result.outcome !== 'past' || last.row === undefined) last = result;
    }
    return last;
  }

  private async applyForMember(owner: string, message: MessageItem): Promise<MemberResult> {
    const { table } = this.options;
    const recipient = owner !== message.sender_uuid;
    for (let round = 0; round < MAX_ROW_ROUNDS; round++) {
      const advanced = await this.tryUpdate(
        buildAdvanceInbox({ table, owner, message, unreadIncrement: recipient ? 1 : 0 }),
      );
      if (advanced) return { outcome: 'advanced', row: advanced };
      const row = await this.getRow(owner, message.message_group_uuid);
      if (!row) {
        // Only the transactions that make a member write a group row; a missing one means they left.
        if (isGroupMessage(message)) return { outcome: 'gone', row: undefined };
        continue; // deleted between the two calls: the next round creates it
      }
      const { last_message_key: head, last_read_key: readKey } = row;
      if (head < message.sk) {
        // Behind, but the owner already read past this message: move forward without counting it.
        const moved = await this.tryUpdate(buildAdvanceInbox({ table, owner, message, unreadIncrement: 0 }));
        if (moved) return { outcome: 'advanced', row: moved };
        continue;
      }
      if (head === message.sk) return { outcome: 'current', row };
      if (!recipient || (readKey !== undefined && readKey >= message.sk)) return { outcome: 'past', row };
      // Sent before the owner (last) joined: it was never theirs to count.
      if (row.joined_key !== undefined && message.sk < row.joined_key) return { outcome: 'past', row };
      const unread = await this.countUnread(owner, row);
      if (unread === row.unread_count) return { outcome: 'past', row };
      const recounted = await this.tryUpdate(
        buildSetUnread({
          table,
          owner,
          groupUuid: message.message_group_uuid,
          unreadCount: unread,
          headKey: head,
          readKey,
        }),
      );
      if (recounted) return { outcome: 'recounted', row: recounted };
    }
    throw new RecordError(`inbox row of ${owner} kept changing`, { retryable: true });
  }

  /**
   * The row as it stands, to decide what to do with it: a malformed one throws MalformedItemError (a permanent
   * record failure), since no decision can be made on it.
   */
  private async getRow(owner: string, groupUuid: string): Promise<InboxItem | undefined> {
    const { ddb, table } = this.options;
    const out = await ddb.send(new GetCommand(buildGetInbox(table, owner, groupUuid)));
    return parseOptionalItem(inboxItemSchema, out.Item);
  }

  /** The row after the update, or undefined when its condition failed. */
  private async tryUpdate(
    input: ConstructorParameters<typeof UpdateCommand>[0],
  ): Promise<UpdatedRow | undefined> {
    try {
      const out = await this.options.ddb.send(
        new UpdateCommand({ ...input, ReturnConsumedCapacity: 'TOTAL' }),
      );
      this.options.onWriteUnits?.(out.ConsumedCapacity?.CapacityUnits ?? 0);
      const row = out.Attributes;
      if (!row) return undefined;
      const parsed = safeParseItem(inboxItemSchema, row);
      return parsed.ok ? parsed.item : parsed.error;
    } catch (err) {
      // AWS charges a failed conditional write too (by item size, at least one unit); the error carries no count.
      if (isConditionalCheckFailed(err)) {
        this.options.onWriteUnits?.(1);
        return undefined;
      }
      throw err;
    }
  }

  /** The unread rule applied to the stored messages: see inbox-requests.ts. */
  private async countUnread(owner: string, row: InboxItem): Promise<number> {
    const { last_read_key: readKey, joined_key: joinedKey, last_message_key: head } = row;
    const low =
      readKey !== undefined && (joinedKey === undefined || readKey > joinedKey) ? readKey : joinedKey;
    let count = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.options.ddb.send(
        new QueryCommand(buildUnreadQuery(this.options.table, row.message_group_uuid, low, head, startKey)),
      );
      for (const item of page.Items ?? []) {
        const message = parseItem(unreadProjection, item);
        if (message.sk !== readKey && message.sender_uuid !== owner && message.members.includes(owner))
          count++;
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return count;
  }
}
