import { AppError, toTimestamp } from '@cruddur/contracts';
import type { ConversationItem, MessageItem } from '@cruddur/ddb';
import { requestHash } from '../data/requests.ts';
import type { ChangeOutcome, MessageStore } from '../data/store.ts';
import { type Drafts, WriteRounds } from './drafts.ts';
import type { Membership } from './membership.ts';
import { type FoundMessage, findMessageFor } from './message-lookup.ts';
import { type MessageView, toMessage, usersShownBy } from './views.ts';

export interface MessageChangesOptions {
  store: MessageStore;
  drafts: Drafts;
  membership: Membership;
  /** `MESSAGE_EDIT_WINDOW_MINUTES`: how long after sending a message its sender may edit it. */
  editWindowMinutes: number;
}

/**
 * Messages that change: the sender edits their message (within the edit window) or deletes it for everyone.
 * The message is found by key from its uuid alone (a UUIDv7 carries its time, which is its sort key), and each
 * change is one conditional update from the version read, so an edit and a delete racing end in one outcome: a
 * delete always wins over an older edit (it is tried again on what the edit left), and an edit never brings a
 * tombstone back (it answers `message_deleted`). The stream consumer carries the change into every member's inbox
 * preview and unread count (docs/contracts.md, "Messages that change").
 */
export class MessageChanges {
  constructor(private readonly options: MessageChangesOptions) {}

  async edit(input: {
    groupUuid: string;
    userUuid: string;
    messageUuid: string;
    text: string;
    idempotencyKey?: string | undefined;
  }): Promise<{ message: MessageView; replayed: boolean }> {
    const { store, drafts } = this.options;
    const hash = requestHash(['edit', input.groupUuid, input.messageUuid.toLowerCase(), input.text]);
    let current = await this.find(input.groupUuid, input.userUuid, input.messageUuid);
    for (const rounds = new WriteRounds(); await rounds.next(); ) {
      if (input.idempotencyKey) {
        const replay = await drafts.replay(input.userUuid, input.idempotencyKey, hash);
        if (replay) return { message: replay.message, replayed: true };
      }
      const message = this.mayChange(current.message, input.userUuid);
      if (message.deleted) throw new AppError('message_deleted');
      const now = drafts.now();
      const notBefore = toTimestamp(now.getTime() - this.options.editWindowMinutes * 60_000);
      if (message.created_at < notBefore) throw new AppError('edit_window_passed');
      // The same text again changes nothing: no new version, no event.
      if (message.message === input.text && !input.idempotencyKey)
        return { message: await this.view(message), replayed: false };
      const change = {
        groupUuid: input.groupUuid,
        sk: message.sk,
        senderUuid: input.userUuid,
        seenVersion: message.edit_version ?? 0,
        at: toTimestamp(now),
        text: input.text,
        notBefore,
      };
      const idempotency = drafts.idempotency(input.userUuid, input.idempotencyKey, hash, false);
      const after: MessageItem = {
        ...message,
        message: change.text,
        edited_at: change.at,
        edit_version: change.seenVersion + 1,
      };
      const outcome = await store.editMessage(change, idempotency && { idempotency, after });
      if (outcome.ok) return { message: await this.view(outcome.item), replayed: false };
      current = await this.afterLost(outcome, current, rounds, 'edit message');
    }
    throw new AppError('conflict');
  }

  /** Deletes for everyone; deleting a tombstone again answers it as it is. */
  async delete(input: { groupUuid: string; userUuid: string; messageUuid: string }): Promise<MessageView> {
    const { store, drafts } = this.options;
    let current = await this.find(input.groupUuid, input.userUuid, input.messageUuid);
    for (const rounds = new WriteRounds(); await rounds.next(); ) {
      const message = this.mayChange(current.message, input.userUuid);
      if (message.deleted) return this.view(message);
      const outcome = await store.deleteMessage({
        groupUuid: input.groupUuid,
        sk: message.sk,
        senderUuid: input.userUuid,
        seenVersion: message.edit_version ?? 0,
        at: toTimestamp(drafts.now()),
      });
      if (outcome.ok) return this.view(outcome.item);
      current = await this.afterLost(outcome, current, rounds, 'delete message');
    }
    throw new AppError('conflict');
  }

  private find(groupUuid: string, userUuid: string, messageUuid: string): Promise<FoundMessage> {
    return findMessageFor(this.options, groupUuid, userUuid, messageUuid);
  }

  /** Only the sender may change a message, and nobody a system message (it records a group change). */
  private mayChange(message: MessageItem | undefined, userUuid: string): MessageItem {
    if (!message) throw new AppError('message_not_found');
    if (message.sender_uuid !== userUuid || message.kind === 'system')
      throw new AppError('not_message_sender');
    return message;
  }

  /** After a lost race: decide again on the message as the winner left it (returned with the failure, or read). */
  private async afterLost(
    outcome: Exclude<ChangeOutcome, { ok: true }>,
    current: { conversation: ConversationItem; message: MessageItem | undefined },
    rounds: WriteRounds,
    what: string,
  ): Promise<{ conversation: ConversationItem; message: MessageItem | undefined }> {
    this.options.drafts.logRetry(what, { ok: false, reason: outcome.reason });
    if (outcome.reason !== 'changed') return current;
    rounds.retryAtOnce();
    const sk = current.message?.sk;
    const message =
      outcome.current ??
      (sk ? await this.options.store.getMessage(current.conversation.message_group_uuid, sk) : undefined);
    return { conversation: current.conversation, message };
  }

  private async view(message: MessageItem): Promise<MessageView> {
    return toMessage(
      message,
      await this.options.store.getProfiles(usersShownBy([message])),
      message.sender_uuid,
    );
  }
}
