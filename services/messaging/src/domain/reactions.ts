import { AppError, isSingleEmoji, MAX_REACTIONS_PER_MESSAGE } from '@cruddur/contracts';
import { type MessageItem, reactionsOf } from '@cruddur/ddb';
import type { MessageStore } from '../data/store.ts';
import { WriteRounds } from './drafts.ts';
import type { Membership } from './membership.ts';
import { findMessageFor } from './message-lookup.ts';
import { type ReactionView, toReactions } from './views.ts';

/** What a reaction write answers: the message's reactions after it. */
export interface ReactionSummary {
  message_group_uuid: string;
  message_uuid: string;
  /** +1 per change of the message's reactions (0: none yet); a client keeps the highest it has seen. */
  reaction_version: number;
  reactions: ReactionView[];
}

/**
 * Emoji reactions: a member of the conversation adds or removes one emoji on a message sent to them (system
 * messages included, tombstones never). Each emoji stores the set of members who added it (see the message item),
 * so an add is one conditional ADD of the member to that set and a remove one DELETE from it: a repeat of either
 * fails its condition and changes nothing, so counts are exact under retries, duplicates and concurrency. A
 * member who leaves a group keeps their reactions; a delete of the message removes them all.
 */
export class Reactions {
  constructor(private readonly options: { store: MessageStore; membership: Membership }) {}

  async add(input: ReactionInput): Promise<ReactionSummary> {
    return this.change(input, 'add');
  }

  async remove(input: ReactionInput): Promise<ReactionSummary> {
    return this.change(input, 'remove');
  }

  private async change(input: ReactionInput, action: 'add' | 'remove'): Promise<ReactionSummary> {
    if (!isSingleEmoji(input.emoji)) throw new AppError('emoji_invalid');
    const { store } = this.options;
    const found = await findMessageFor(this.options, input.groupUuid, input.userUuid, input.messageUuid);
    let message = found.message;
    for (const rounds = new WriteRounds(); await rounds.next(); ) {
      if (!message) throw new AppError('message_not_found');
      if (message.deleted) throw new AppError('message_deleted');
      const mine = reactionsOf(message)
        .find((r) => r.emoji === input.emoji)
        ?.users.includes(input.userUuid);
      // Already as asked: nothing to write, no version, no event.
      if (action === 'add' ? mine : !mine) return this.summary(message, input.userUuid);
      if (action === 'add' && message.reactions) {
        const distinct = Object.keys(message.reactions).length;
        if (!(input.emoji in message.reactions) && distinct >= MAX_REACTIONS_PER_MESSAGE)
          throw new AppError('too_many_reactions');
      }
      const change = {
        groupUuid: input.groupUuid,
        sk: message.sk,
        userUuid: input.userUuid,
        emoji: input.emoji,
      };
      // A message nobody reacted to has no map yet: the first reaction writes it.
      const outcome = await store.changeReaction(
        change,
        action === 'add' && !message.reactions ? 'first' : action,
      );
      if (outcome.ok) return this.summary(outcome.item, input.userUuid);
      // A condition failed: decide again on the message as it now stands (a delete, the other change, the limit).
      if (outcome.reason === 'changed') {
        message = outcome.current ?? (await store.getMessage(input.groupUuid, message.sk));
        rounds.retryAtOnce();
      }
    }
    throw new AppError('conflict');
  }

  private summary(message: MessageItem, viewer: string): ReactionSummary {
    return {
      message_group_uuid: message.message_group_uuid,
      message_uuid: message.message_uuid,
      reaction_version: message.reaction_version ?? 0,
      reactions: toReactions(message, viewer),
    };
  }
}

export interface ReactionInput {
  groupUuid: string;
  userUuid: string;
  messageUuid: string;
  emoji: string;
}
