import { AppError } from '@cruddur/contracts';
import { z } from 'zod';
import type { MessageStore } from '../data/store.ts';
import { type MessageView, toGroup, toMessage, usersShownBy } from './views.ts';

/** What one export page holds at most: each page is one bounded read, so memory stays flat whatever the history. */
const EXPORT_PAGE_LINES = 500;

/** Where an export stands: the last conversation finished, and within the current one the last message written. */
const exportCursor = z.strictObject({
  done: z.uuid().optional(),
  group: z.uuid().optional(),
  after: z.string().max(200).optional(),
});
type ExportCursor = z.infer<typeof exportCursor>;

export type ExportLine =
  | ({ type: 'conversation' } & ReturnType<typeof toGroup>)
  | ({ type: 'message' } & MessageView);

function encode(cursor: ExportCursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

function decode(cursor: string | undefined): ExportCursor {
  if (!cursor) return {};
  try {
    const parsed = exportCursor.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    if (parsed.success) return parsed.data;
  } catch {
    // falls through to the error below
  }
  throw new AppError('cursor_invalid');
}

/**
 * The user's data export, page by page (README, "Export"): every conversation they have a row in (their list and
 * their message requests), each as a `conversation` line with its members and then its messages oldest first as
 * `message` lines, exactly as they may read them (a group from their join, nothing hidden from them). Conversations
 * go by group uuid, one row read each, so a page never holds more than `EXPORT_PAGE_LINES` lines.
 */
export class DataExport {
  constructor(private readonly store: MessageStore) {}

  async page(
    userUuid: string,
    cursor: string | undefined,
    maxLines = EXPORT_PAGE_LINES,
  ): Promise<{ lines: ExportLine[]; next_cursor: string | null }> {
    let at = decode(cursor);
    const lines: ExportLine[] = [];
    while (lines.length < maxLines) {
      let group = at.group;
      if (!group) {
        group = await this.store.nextOwnConversation(userUuid, at.done);
        if (!group) return { lines, next_cursor: null };
        at = { ...at, group };
      }
      const conversation = await this.store.getConversation(group);
      if (!conversation?.members.includes(userUuid)) {
        // Left between two pages: nothing more of it is theirs to read.
        at = { done: group };
        continue;
      }
      if (at.after === undefined)
        lines.push({
          type: 'conversation',
          ...toGroup(conversation, await this.store.getProfiles(conversation.members)),
        });
      const joinedKey = conversation.joined?.[userUuid];
      const viewer = conversation.kind === 'group' && joinedKey ? { uuid: userUuid, joinedKey } : undefined;
      const page = await this.store.exportMessages(
        group,
        Math.max(1, maxLines - lines.length),
        at.after,
        viewer,
      );
      const profiles = await this.store.getProfiles(usersShownBy(page.items));
      for (const m of page.items) lines.push({ type: 'message', ...toMessage(m, profiles, userUuid) });
      at = page.last ? { done: at.done, group, after: page.last } : { done: group };
    }
    return { lines, next_cursor: encode(at) };
  }
}
