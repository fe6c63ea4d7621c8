import { AppError, toTimestamp } from '@cruddur/contracts';
import type { Logger } from '@cruddur/logger';
import type { MessageStore } from '../data/store.ts';
import type { Groups } from './groups.ts';
import { systemText } from './system-text.ts';

export interface ErasedAccount {
  conversations: number;
  messages: number;
}

/**
 * What a deleted account leaves in the table (README, "Account deletion"): its profile replica becomes a tombstone
 * ("Deleted user", at a version no event can pass); every text message it sent, in every conversation it is in,
 * becomes a tombstone with no text (the stream consumer moves previews and unread counts as for any delete), also in
 * groups it had left (`left_groups`); system messages that name it say "Deleted user" instead; it leaves every group (a "left the group" system message); its direct conversations are closed both ways (a block
 * from it, so nothing more can be sent there) and its own rows removed. Every step is idempotent and the walk is
 * per conversation, tombstones before the row goes, so a crash or a redelivered event starts again and finishes.
 */
export class AccountDeletion {
  constructor(
    private readonly options: { store: MessageStore; groups: Groups; logger: Logger; clock?: () => Date },
  ) {}

  async erase(userUuid: string): Promise<ErasedAccount> {
    const { store, groups } = this.options;
    // First, so its name is gone everywhere at once (and the gateways hear of it from the stream).
    await store.putDeletedProfile(userUuid);
    const erased: ErasedAccount = { conversations: 0, messages: 0 };
    // Rows are removed as the walk goes; collect first so the pages do not shift under it.
    const conversations: string[] = [];
    for await (const group of store.ownConversations(userUuid)) conversations.push(group);
    // Groups left earlier hold no row but still hold the user's messages and names (groups left before
    // `left_groups` existed are not listed anywhere: README, "Account deletion").
    const left = (await store.getRelations(userUuid))?.left_groups ?? [];
    for (const groupUuid of left.filter((g) => !conversations.includes(g))) {
      erased.messages += await this.eraseMessages(groupUuid, userUuid);
      await this.renameInSystemMessages(groupUuid, userUuid);
      erased.conversations++;
    }
    for (const groupUuid of conversations) {
      const conversation = await store.getConversation(groupUuid);
      if (conversation && conversation.kind !== 'group') {
        // Closed before its messages go, so nothing can be sent into it while they do.
        for (const other of conversation.members.filter((m) => m !== userUuid))
          await this.untilDone(() => store.setBlock({ blockerUuid: userUuid, blockedUuid: other, on: true }));
      }
      erased.messages += await this.eraseMessages(groupUuid, userUuid);
      if (conversation?.kind === 'group') {
        await this.renameInSystemMessages(groupUuid, userUuid);
        try {
          await groups.leave(userUuid, groupUuid);
        } catch (err) {
          // Already left (a replay after the leave committed): nothing more to do there.
          if (!(err instanceof AppError && err.codes.includes('message_group_not_found'))) throw err;
        }
      } else await store.deleteInboxRow(userUuid, groupUuid);
      erased.conversations++;
    }
    this.options.logger.info({ user_uuid: userUuid, ...erased }, 'account erased');
    return erased;
  }

  private async eraseMessages(groupUuid: string, userUuid: string): Promise<number> {
    const { store } = this.options;
    let count = 0;
    for await (const message of store.sentBy(groupUuid, userUuid)) {
      let seen = message;
      // An edit racing the delete moves the version; go again from what it left (a tombstone is done).
      for (let round = 0; round < 5; round++) {
        const outcome = await store.deleteMessage({
          groupUuid,
          sk: seen.sk,
          senderUuid: userUuid,
          seenVersion: seen.edit_version ?? 0,
          at: toTimestamp(this.options.clock?.() ?? new Date()),
        });
        if (outcome.ok) {
          count++;
          break;
        }
        if (outcome.reason === 'changed' && (!outcome.current || outcome.current.deleted)) break;
        if (outcome.current) seen = outcome.current;
      }
    }
    return count;
  }

  /** "added @ann" becomes "added Deleted user": the text of system messages that name the user is rendered again. */
  private async renameInSystemMessages(groupUuid: string, userUuid: string): Promise<void> {
    const { store } = this.options;
    for await (const message of store.systemNaming(groupUuid, userUuid)) {
      if (!message.system) continue;
      const profiles = await store.getProfiles(message.system.user_uuids);
      const handles = new Map([...profiles].map(([uuid, p]) => [uuid, p.handle]));
      // A tombstone's handle is empty: any other deleted user named there is renamed too.
      const deleted = new Set([
        userUuid,
        ...[...profiles].filter(([, p]) => p.handle === '').map(([u]) => u),
      ]);
      const text = systemText(message.system, handles, deleted);
      if (text !== message.message) await store.setSystemText(groupUuid, message.sk, text);
    }
  }

  private async untilDone(write: () => Promise<{ ok: boolean }>): Promise<void> {
    for (let round = 0; round < 10; round++) if ((await write()).ok) return;
    throw new AppError('conflict');
  }
}
