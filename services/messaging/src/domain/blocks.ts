import { AppError } from '@cruddur/contracts';
import type { MessageStore } from '../data/store.ts';
import { WriteRounds } from './drafts.ts';
import type { GroupMember } from './groups.ts';
import { profileOf, type UserShort } from './views.ts';

/**
 * Blocking. A block is one transaction on both users' relations items (`REL#<uuid>`), read strongly consistently
 * and checked inside every send, start and add transaction, so it holds on every replica from its commit with no
 * cache to expire. What a block does (README, "Who may message whom"): no direct messages either way, no new
 * conversation or group with the blocker, no add of the blocker to a group; in a group both stay, and messages
 * the blocked user sends are hidden from the blocker.
 */
export class Blocks {
  constructor(private readonly store: MessageStore) {}

  /** Blocks (`on`) or unblocks `target`, as the gateway resolved them; doing it twice is the same as once. */
  async set(userUuid: string, target: GroupMember, on: boolean): Promise<UserShort & { blocked: boolean }> {
    const targetUuid = target.uuid.toLowerCase();
    if (targetUuid === userUuid) throw new AppError('cannot_block_self');
    // The list of blocks shows names from the replica; a version-0 placeholder until the user's events arrive.
    if (on && !(await this.store.getProfile(targetUuid)))
      await this.store.putProfile({ ...target, uuid: targetUuid, bio: null, version: 0 });
    for (const rounds = new WriteRounds(); await rounds.next(); ) {
      const outcome = await this.store.setBlock({ blockerUuid: userUuid, blockedUuid: targetUuid, on });
      if (outcome.ok) {
        const profiles = await this.store.getProfiles([targetUuid]);
        return { ...profileOf(targetUuid, profiles), blocked: on };
      }
    }
    throw new AppError('conflict');
  }

  /** Everyone the user blocks, by handle. */
  async list(userUuid: string): Promise<UserShort[]> {
    const relations = await this.store.getRelations(userUuid);
    const blocked = [...(relations?.blocks ?? [])].sort();
    const profiles = await this.store.getProfiles(blocked);
    return blocked
      .map((uuid) => profileOf(uuid, profiles))
      .sort((a, b) => a.handle.localeCompare(b.handle) || a.uuid.localeCompare(b.uuid));
  }
}
