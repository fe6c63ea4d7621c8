import { AppError } from '@cruddur/contracts';
import { cursorShapes, decodeCursor, encodeCursor, type WhoCanMessage } from '@cruddur/ddb';
import { inboxCursorKey } from '../data/requests.ts';
import type { MessageStore } from '../data/store.ts';
import { WriteRounds } from './drafts.ts';
import { type ConversationView, type Page, toConversation, usersShownByRows } from './views.ts';

/**
 * Who may start a conversation with a user, and the requests that follow from it (README, "Who may message whom").
 * The setting lives on the user's relations item, the item every start already checks in its transaction; a
 * request is the recipient's inbox row with `request: "pending"`, left out of the conversation list and never
 * pushed, until they accept (it joins the list) or decline (it goes, and the sender is refused from then on).
 */
export class MessageRequests {
  constructor(private readonly store: MessageStore) {}

  async settings(userUuid: string): Promise<{ who_can_message: WhoCanMessage }> {
    const relations = await this.store.getRelations(userUuid);
    return { who_can_message: relations?.who_can_message ?? 'everyone' };
  }

  async setWhoCanMessage(
    userUuid: string,
    value: WhoCanMessage,
  ): Promise<{ who_can_message: WhoCanMessage }> {
    await this.store.setWhoCanMessage(userUuid, value);
    return { who_can_message: value };
  }

  async list(userUuid: string, limit: number, cursor?: string): Promise<Page<ConversationView>> {
    const decoded = decodeCursor(cursor, cursorShapes.inbox(userUuid));
    if (!decoded.ok) throw new AppError('cursor_invalid');
    const page = await this.store.listConversations(userUuid, limit, decoded.key, true);
    const profiles = await this.store.getProfiles(usersShownByRows(page.items));
    const last = page.items.at(-1);
    return {
      items: page.items.map((row) => toConversation(row, profiles)),
      next_cursor: page.more && last ? encodeCursor(inboxCursorKey(last))! : null,
    };
  }

  async accept(userUuid: string, groupUuid: string): Promise<{ message_group_uuid: string; accepted: true }> {
    if (!(await this.store.acceptRequest(userUuid, groupUuid))) throw new AppError('message_group_not_found');
    return { message_group_uuid: groupUuid, accepted: true };
  }

  /** The sender is not told: their row and messages stay as they were; only what they send from now is refused. */
  async decline(
    userUuid: string,
    groupUuid: string,
  ): Promise<{ message_group_uuid: string; declined: true }> {
    const conversation = await this.store.getConversation(groupUuid);
    const sender = conversation?.members.find((m) => m !== userUuid);
    if (!conversation?.members.includes(userUuid) || !sender || conversation.kind === 'group')
      throw new AppError('message_group_not_found');
    for (const rounds = new WriteRounds(); await rounds.next(); ) {
      const outcome = await this.store.declineRequest({ ownerUuid: userUuid, senderUuid: sender, groupUuid });
      if (outcome.ok) return { message_group_uuid: groupUuid, declined: true };
      if (outcome.reason === 'not_member') throw new AppError('message_group_not_found');
    }
    throw new AppError('conflict');
  }
}
