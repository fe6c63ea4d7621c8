import { keys } from '@cruddur/ddb';
import type { TableFacts } from './table-scan.ts';
import type { Violations } from './violations.ts';

/**
 * What an account deletion must leave (README, "Account deletion"): the profile replica only a tombstone (no
 * handle, no bio), no inbox row of the deleted user, and no text message from them that still has its text.
 * System messages (adds, leaves, renames) are the groups' state and stay.
 */
export function checkDeletedUsers(facts: TableFacts, violations: Violations): void {
  if (facts.deletedUsers.size === 0) return;
  for (const [uuid, kept] of facts.deletedUsers) {
    if (kept.handle !== '' || kept.bio !== null)
      violations.add(
        'deleted_user_profile_kept',
        `the replica still holds ${uuid}'s handle or bio`,
        keys.user(uuid),
      );
  }
  for (const row of facts.inboxRows) {
    if (facts.deletedUsers.has(row.owner_uuid))
      violations.add(
        'deleted_user_inbox_row',
        `deleted user ${row.owner_uuid} still has a row for ${row.message_group_uuid}`,
        row,
      );
  }
  for (const [group, messages] of facts.messagesByGroup) {
    for (const m of messages) {
      if (facts.deletedUsers.has(m.sender) && !m.systemKind && m.text !== undefined)
        violations.add(
          'deleted_user_text_kept',
          `message ${m.uuid} from deleted user ${m.sender} still has its text`,
          { pk: keys.messagePartition(group), sk: m.sk },
        );
    }
  }
}
