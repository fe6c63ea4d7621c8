import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  cancellationReasons,
  failedRoles,
  type InboxItem,
  inboxItemSchema,
  isSentTo,
  type MalformedItemError,
  parseItem,
  parseOptionalItem,
  safeParseItem,
} from '@cruddur/ddb';
import { isConditionalCheckFailed } from '../errors.ts';
import {
  buildCreateDirectInbox,
  buildGetInbox,
  buildUnreadQuery,
  unreadProjection,
} from './inbox-requests.ts';

/**
 * A member's row as an update returned it (ALL_NEW), parsed once: the row, or why it does not match the inbox
 * item schema. The update has happened either way; only the row's event depends on it.
 */
export type UpdatedRow = InboxItem | MalformedItemError;

export interface InboxRowsOptions {
  ddb: DynamoDBDocumentClient;
  table: string;
  /** Told the write capacity units of every inbox update (the cost metric). */
  onWriteUnits?: ((units: number) => void) | undefined;
}

/** The reads and conditional writes of inbox rows that every kind of record shares. */
export class InboxRows {
  constructor(readonly options: InboxRowsOptions) {}

  /**
   * The row as it stands, to decide what to do with it: a malformed one throws MalformedItemError (a permanent
   * record failure), since no decision can be made on it.
   */
  async get(owner: string, groupUuid: string): Promise<InboxItem | undefined> {
    const { ddb, table } = this.options;
    const out = await ddb.send(new GetCommand(buildGetInbox(table, owner, groupUuid)));
    return parseOptionalItem(inboxItemSchema, out.Item);
  }

  /** The row after the update, or undefined when its condition failed. */
  async tryUpdate(input: ConstructorParameters<typeof UpdateCommand>[0]): Promise<UpdatedRow | undefined> {
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

  /**
   * `buildCreateDirectInbox`'s transaction, then the row it made (read strongly consistent); `exists` when the row
   * was there first or another transaction held it (move it instead), `owner_deleted` when the owner's account is
   * erased (or erased the row right after it was made).
   */
  async tryCreateDirect(
    input: TransactWriteCommandInput,
    owner: string,
    groupUuid: string,
  ): Promise<UpdatedRow | 'exists' | 'owner_deleted'> {
    const roles = buildCreateDirectInbox.roles;
    try {
      const out = await this.options.ddb.send(
        new TransactWriteCommand({ ...input, ReturnConsumedCapacity: 'TOTAL' }),
      );
      this.options.onWriteUnits?.(
        (out.ConsumedCapacity ?? []).reduce((n, c) => n + (c.CapacityUnits ?? 0), 0),
      );
    } catch (err) {
      const reasons = cancellationReasons(err);
      if (reasons) {
        this.options.onWriteUnits?.(roles.length);
        const failed = failedRoles(reasons, roles);
        // A row already there is moved instead (the erasure removes it later); a conflict is tried again the same way.
        return failed.has('owner_profile') && !failed.has('row') ? 'owner_deleted' : 'exists';
      }
      if (err instanceof Error && err.name === 'TransactionConflictException') return 'exists';
      throw err;
    }
    const { ddb, table } = this.options;
    const out = await ddb.send(new GetCommand(buildGetInbox(table, owner, groupUuid)));
    if (!out.Item) return 'owner_deleted';
    const parsed = safeParseItem(inboxItemSchema, out.Item);
    return parsed.ok ? parsed.item : parsed.error;
  }

  /** A conditional transaction: false when a condition failed or another transaction held an item (read again). */
  async tryTransact(input: TransactWriteCommandInput): Promise<boolean> {
    try {
      const out = await this.options.ddb.send(
        new TransactWriteCommand({ ...input, ReturnConsumedCapacity: 'TOTAL' }),
      );
      this.options.onWriteUnits?.(
        (out.ConsumedCapacity ?? []).reduce((n, c) => n + (c.CapacityUnits ?? 0), 0),
      );
      return true;
    } catch (err) {
      if (
        err instanceof Error &&
        ['TransactionCanceledException', 'TransactionConflictException'].includes(err.name)
      )
        return false;
      throw err;
    }
  }

  /** The unread rule applied to the stored messages (see inbox-requests.ts); tombstones never count. */
  async countUnread(owner: string, row: InboxItem): Promise<number> {
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
        if (
          message.sk !== readKey &&
          message.sender_uuid !== owner &&
          isSentTo(message, owner) &&
          !message.deleted
        )
          count++;
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return count;
  }
}
