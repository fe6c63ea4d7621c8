import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type InboxItem, type MessageItem, messageRecipients, parseItem, previewKeyOf } from '@cruddur/ddb';
import { RecordError } from '../errors.ts';
import {
  buildAfterDelete,
  buildEditPreview,
  buildPreviewQuery,
  choosePreview,
  type Fallback,
  type PreviewCandidate,
  previewProjection,
} from './inbox-requests.ts';
import { MAX_ROW_ROUNDS, type MemberResult } from './inbox-updater.ts';
import { InboxRows, type InboxRowsOptions } from './rows.ts';

/**
 * Carries a message's change into its members' rows (see the preview and unread rules in inbox-requests.ts): an
 * edit into every preview that shows the message, a delete (or a removal) into every preview that showed it and
 * every unread count that counted it. Rows are only changed, never made: a missing one is a member who left.
 */
export class MessageChangeUpdater {
  private readonly rows: InboxRows;

  constructor(private readonly options: InboxRowsOptions) {
    this.rows = new InboxRows(options);
  }

  async applyEdit(message: MessageItem): Promise<({ owner: string } & MemberResult)[]> {
    return Promise.all(
      messageRecipients(message).map(async (owner) => {
        const row = await this.rows.tryUpdate(buildEditPreview(this.options.table, owner, message));
        return { owner, outcome: row ? ('changed' as const) : ('past' as const), row };
      }),
    );
  }

  async applyDelete(message: MessageItem): Promise<({ owner: string } & MemberResult)[]> {
    return Promise.all(
      messageRecipients(message).map(async (owner) => ({
        owner,
        ...(await this.deleteForMember(owner, message)),
      })),
    );
  }

  private async deleteForMember(owner: string, deleted: MessageItem): Promise<MemberResult> {
    const { table } = this.options;
    const group = deleted.message_group_uuid;
    for (let round = 0; round < MAX_ROW_ROUNDS; round++) {
      const row = await this.rows.get(owner, group);
      if (!row) return { outcome: 'gone', row: undefined };
      const { last_message_key: head, last_read_key: readKey, joined_key: joinedKey } = row;
      const shown = previewKeyOf(row) === deleted.sk;
      // Was it counted? Only a message from someone else in the unread window (at or below the head) was.
      const counted =
        deleted.sender_uuid !== owner &&
        deleted.sk <= head &&
        (readKey === undefined || deleted.sk > readKey) &&
        (joinedKey === undefined || deleted.sk >= joinedKey);
      if (!shown && !counted) return { outcome: 'past', row };
      const fallback = shown ? await this.fallback(owner, row, deleted) : undefined;
      const unread = counted ? await this.rows.countUnread(owner, row) : undefined;
      if (!fallback && unread === row.unread_count) return { outcome: 'past', row };
      const written = await this.rows.tryTransact(
        buildAfterDelete({
          table,
          owner,
          groupUuid: group,
          headKey: head,
          readKey,
          shownKey: previewKeyOf(row),
          fallback,
          unreadCount: unread !== row.unread_count ? unread : undefined,
        }),
      );
      // A transaction returns no item: the row is read again for its event.
      if (written) return { outcome: 'changed', row: await this.rows.get(owner, group) };
    }
    throw new RecordError(`inbox row of ${owner} kept changing`, { retryable: true });
  }

  /**
   * What the row's preview falls back to: a strongly consistent Query from the head down to the owner's join,
   * newest first, until a message sent to them that is not deleted. With none left, the newest tombstone, and
   * without even that (the messages were removed), the deleted message itself as one.
   */
  private async fallback(owner: string, row: InboxItem, deleted: MessageItem): Promise<Fallback> {
    const candidates: PreviewCandidate[] = [];
    let startKey: Record<string, unknown> | undefined;
    for (;;) {
      const page = await this.options.ddb.send(
        new QueryCommand(
          buildPreviewQuery(
            this.options.table,
            row.message_group_uuid,
            row.joined_key,
            row.last_message_key,
            startKey,
          ),
        ),
      );
      candidates.push(...(page.Items ?? []).map((item) => parseItem(previewProjection, item)));
      startKey = page.LastEvaluatedKey;
      const chosen = choosePreview(candidates, owner, deleted.sk, startKey === undefined);
      if (chosen === 'more') continue;
      return (
        chosen ?? {
          message: { ...deleted, deleted: true },
          deleted: true,
        }
      );
    }
  }
}
