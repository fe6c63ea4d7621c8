import { keys } from '@cruddur/ddb';
import type { TableFacts } from './table-scan.ts';
import type { Violations } from './violations.ts';

/** How an erasure names a deleted user in system text (services/messaging's system-text.ts). */
const DELETED_NAME = 'Deleted user';

/**
 * What an account deletion must leave (README, "Account deletion"): the profile replica only a tombstone (no
 * handle, no bio), no inbox row of the deleted user, no text message from them that still has its text
 * (in any group, also ones they had left), and no system message that names them by handle ("added @ann").
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
      // "added @ann": the erasure renders it again as "added Deleted user" (no handle of theirs stays in text).
      // Only an add's text names its users ("left the group" names nobody: the leaver is the sender).
      const named =
        m.system?.action === 'added' ? m.system.user_uuids.filter((u) => facts.deletedUsers.has(u)) : [];
      if (named.length > 0 && !m.text?.includes(DELETED_NAME))
        violations.add(
          'deleted_user_named',
          `system message ${m.uuid} still names deleted user ${named.join(', ')} by handle`,
          { pk: keys.messagePartition(group), sk: m.sk },
        );
    }
  }
}
