import { MEMBER_SAMPLE_SIZE } from '@cruddur/ddb';
import { inKeyOrder } from './group-state.ts';
import { type InboxFacts, type StoredMessage, sentTo, type TableFacts } from './table-scan.ts';
import type { Violations } from './violations.ts';

/**
 * Group inbox invariants (docs/contracts.md, "Group conversations"): each member's one row shows the newest
 * message sent to them (whose `members` include them), joined where META says they joined, with the list fields
 * of that message and an unread count equal to a recount by the unread rule. Rows of non-members, missing rows
 * and bad counts are `checkInboxRows`' (the same kinds as for direct conversations).
 */

const sameList = (a: readonly string[] | undefined, b: readonly string[]) =>
  a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);

/** The list fields a row takes from its head message, as the start, the add and the stream consumer set them. */
function entryDifferences(row: InboxFacts, head: StoredMessage): string[] {
  const wrong: string[] = [];
  if (row.kind !== 'group') wrong.push(`kind ${row.kind ?? '(none)'}`);
  if (row.title !== head.title)
    wrong.push(`title ${row.title ?? '(none)'} (head: ${head.title ?? '(none)'})`);
  if (row.member_count !== head.members.length)
    wrong.push(`member_count ${row.member_count ?? '(none)'} (head: ${head.members.length})`);
  const sample = head.members.slice(0, MEMBER_SAMPLE_SIZE);
  if (!sameList(row.member_sample, sample))
    wrong.push(`member_sample [${(row.member_sample ?? []).join(', ')}] (head: [${sample.join(', ')}])`);
  return wrong;
}

/**
 * The unread rule: messages up to the row's head, above `last_read_key`, at or above `joined_key`, sent to the
 * owner by someone else (system messages count; their sender is the actor), not deleted.
 */
function recount(row: InboxFacts, toOwner: readonly StoredMessage[]): number {
  const head = row.last_message_key ?? '';
  const joined = row.joined_key ?? '';
  const read = row.last_read_key;
  return toOwner.filter(
    (m) =>
      m.sender !== row.owner_uuid &&
      !m.deleted &&
      m.sk <= head &&
      m.sk >= joined &&
      (read === undefined || m.sk > read),
  ).length;
}

function checkRow(
  row: InboxFacts,
  sorted: readonly StoredMessage[],
  joined: string | undefined,
  v: Violations,
) {
  const owner = row.owner_uuid;
  const group = row.message_group_uuid;
  const toOwner = sorted.filter((m) => sentTo(m, owner));
  const newest = toOwner.at(-1);
  const shown = row.last_message_key ?? '';
  if (!newest) {
    v.add('inbox_without_messages', `no message of group ${group} is sent to ${owner}`, row);
    return;
  }
  if (shown !== newest.sk)
    v.add(
      shown > newest.sk ? 'inbox_points_past_newest' : 'inbox_stale',
      `shows ${shown || '(none)'}, the newest message sent to ${owner} is ${newest.sk}`,
      row,
    );
  const head = sorted.find((m) => m.sk === shown);
  const wrong = head ? entryDifferences(row, head) : [];
  if (wrong.length > 0)
    v.add('group_inbox_entry_wrong', `row of ${owner} disagrees with its head: ${wrong.join('; ')}`, row);
  if (row.joined_key !== joined)
    v.add(
      'group_inbox_joined_wrong',
      `joined_key is ${row.joined_key ?? '(none)'}, META says ${owner} joined at ${joined ?? '(none)'}`,
      row,
    );
  const count = recount(row, toOwner);
  if (row.unreadValid && row.unread_count !== count)
    v.add(
      'group_inbox_unread_wrong',
      `unread_count is ${String(row.unread_count)}, a recount gives ${count}`,
      row,
    );
}

export function checkGroupInboxRows(facts: TableFacts, violations: Violations): void {
  const sortedByGroup = new Map<string, StoredMessage[]>();
  const rowsOf = new Map<string, number>();
  for (const row of facts.inboxRows) {
    const group = row.message_group_uuid;
    const meta = facts.groups.get(group);
    if (!meta) continue;
    const owner = row.owner_uuid;
    const n = (rowsOf.get(`${owner}/${group}`) ?? 0) + 1;
    rowsOf.set(`${owner}/${group}`, n);
    // A second row of the same member and group can only be one stored under another key.
    if (n === 2)
      violations.add('group_inbox_row_duplicated', `${owner} has more than one inbox row for ${group}`, row);
    if (!facts.conversations.get(group)?.includes(owner)) continue;
    let sorted = sortedByGroup.get(group);
    if (!sorted) {
      sorted = inKeyOrder(facts.messagesByGroup.get(group) ?? []);
      sortedByGroup.set(group, sorted);
    }
    checkRow(row, sorted, meta.joined?.[owner], violations);
  }
}
