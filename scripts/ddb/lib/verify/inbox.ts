import { keys } from '@cruddur/ddb';
import type { TableFacts } from './table-scan.ts';
import type { Violations } from './violations.ts';

/**
 * Inbox invariants: one row per member under its own key, none for anyone else; a direct conversation's row
 * names the other member and shows the conversation's newest message (a group row's head, unread count and
 * list fields are checked by `checkGroupInboxRows`).
 */
export function checkInboxRows(
  facts: TableFacts,
  violations: Violations,
  newestByGroup: Map<string, string>,
): void {
  const seen = new Set<string>();
  for (const row of facts.inboxRows) {
    const { owner_uuid: owner, message_group_uuid: group } = row;
    seen.add(`${owner}/${group}`);
    const members = facts.conversations.get(group);
    if (row.pk !== keys.inbox(owner, group).pk || row.sk !== group)
      violations.add(
        'inbox_key_mismatch',
        `inbox row of ${owner} for ${group} is stored under ${row.pk}/${row.sk}`,
        row,
      );
    if (!members) {
      violations.add('inbox_orphan', `inbox row of ${owner} points at missing conversation ${group}`, row);
      continue;
    }
    if (!members.includes(owner))
      violations.add('inbox_owner_not_member', `${owner} is not a member of ${group}`, row);
    if (!row.unreadValid)
      violations.add('inbox_unread_invalid', `unread_count is ${String(row.unread_count)}`, row);
    if (facts.groups.has(group)) continue;
    const other = members.find((m) => m !== owner);
    if (other && row.other_user_uuid !== other)
      violations.add(
        'inbox_other_user_wrong',
        `other_user_uuid is ${row.other_user_uuid ?? ''}, member is ${other}`,
        row,
      );
    const newest = newestByGroup.get(group);
    const shown = row.last_message_key ?? '';
    // A head the table's TTL removed (retention): the row keeps its place and has fallen back to what is left.
    const headExpired =
      (newest === undefined || shown > newest) &&
      !facts.messagesByGroup.get(group)?.some((m) => m.sk === shown) &&
      (row.preview_key !== undefined || row.last_message_deleted === true);
    if (headExpired) continue;
    if (newest === undefined)
      violations.add('inbox_without_messages', `conversation ${group} has no message`, row);
    else if (shown !== newest)
      violations.add(
        shown > newest ? 'inbox_points_past_newest' : 'inbox_stale',
        `shows ${shown || '(none)'}, newest message is ${newest}`,
        row,
      );
  }
  for (const [group, members] of facts.conversations) {
    for (const member of members) {
      // A deleted user keeps no rows (checkDeletedUsers); their direct conversations stay for the other member.
      if (facts.deletedUsers.has(member)) continue;
      // A declined message request keeps the decliner's row as `declined` (rows declined before that were removed).
      if (!facts.groups.has(group) && members.some((m) => facts.declined.has(`${member}/${m}`))) continue;
      if (!seen.has(`${member}/${group}`))
        violations.add(
          'inbox_row_missing',
          `member ${member} has no inbox row for ${group}`,
          keys.inbox(member, group),
        );
    }
  }
}
