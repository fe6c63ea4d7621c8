import { isGroupMessage, type MessageItem, messageRecipients } from '@cruddur/ddb';
import { RecordError } from '../errors.ts';
import { buildAdvanceInbox, buildCreateDirectInbox, buildSetUnread } from './inbox-requests.ts';
import { InboxRows, type InboxRowsOptions, type UpdatedRow } from './rows.ts';

export type { UpdatedRow } from './rows.ts';

/**
 * What one member's row did: moved to this message, already showed it, is past it (maybe recounted), is gone
 * (a group member who left since: their row is deleted and stays so), or (an edit or a delete) had its preview
 * or count changed.
 */
export type MemberOutcome = 'advanced' | 'current' | 'recounted' | 'past' | 'gone' | 'changed';

export interface MemberResult {
  outcome: MemberOutcome;
  row: UpdatedRow | undefined;
}

// A row that changes under us this many times in a row is left to the record's next attempt.
export const MAX_ROW_ROUNDS = 5;

/** Applies one message to every member's inbox row; see inbox-requests.ts for the forward-only and unread rules. */
export class InboxUpdater {
  private readonly rows: InboxRows;

  constructor(private readonly options: InboxRowsOptions) {
    this.rows = new InboxRows(options);
  }

  async apply(message: MessageItem): Promise<({ owner: string } & MemberResult)[]> {
    // Members who block the sender are left out: the message was not sent to them (its `hidden_from`).
    return Promise.all(
      messageRecipients(message).map(async (owner) => ({
        owner,
        ...(await this.applyForMember(owner, message)),
      })),
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
        const moved = await this.rows.tryUpdate(
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
    const row = await this.rows.get(owner, newest.message_group_uuid);
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
    const moved = await this.rows.tryUpdate(
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
      const advanced = await this.rows.tryUpdate(
        buildAdvanceInbox({ table, owner, message, unreadIncrement: recipient ? 1 : 0 }),
      );
      if (advanced) return { outcome: 'advanced', row: advanced };
      const row = await this.rows.get(owner, message.message_group_uuid);
      if (!row) {
        // Only the transactions that make a member write a group row; a missing one means they left.
        if (isGroupMessage(message)) return { outcome: 'gone', row: undefined };
        const created = await this.rows.tryCreateDirect(
          buildCreateDirectInbox({ table, owner, message, unreadIncrement: recipient ? 1 : 0 }),
          owner,
          message.message_group_uuid,
        );
        // The owner's account was erased: its rows stay gone (inbox-requests.ts).
        if (created === 'owner_deleted') return { outcome: 'gone', row: undefined };
        if (created !== 'exists') return { outcome: 'advanced', row: created };
        continue; // created by another worker meanwhile: move it
      }
      const { last_message_key: head, last_read_key: readKey } = row;
      if (head < message.sk) {
        // Behind, but the owner already read past this message: move forward without counting it.
        const moved = await this.rows.tryUpdate(
          buildAdvanceInbox({ table, owner, message, unreadIncrement: 0 }),
        );
        if (moved) return { outcome: 'advanced', row: moved };
        continue;
      }
      if (head === message.sk) return { outcome: 'current', row };
      if (!recipient || (readKey !== undefined && readKey >= message.sk)) return { outcome: 'past', row };
      // Sent before the owner (last) joined: it was never theirs to count.
      if (row.joined_key !== undefined && message.sk < row.joined_key) return { outcome: 'past', row };
      const unread = await this.rows.countUnread(owner, row);
      if (unread === row.unread_count) return { outcome: 'past', row };
      const recounted = await this.rows.tryUpdate(
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
}
