import { keys } from '@cruddur/ddb';
import { inKeyOrder } from './group-state.ts';
import { type InboxFacts, type StoredMessage, sentTo, type TableFacts } from './table-scan.ts';
import type { Violations } from './violations.ts';

/**
 * Invariants of messages that change (docs/contracts.md, "Messages that change"): no text is left in a tombstone,
 * and only a tombstone has none; every member's row previews the newest message sent to them, from their join up
 * to the row's head, that is not deleted, as its latest edit reads (`preview_key` names it when it is not the
 * head); when every such message is deleted, the newest tombstone, with no text and `last_message_deleted`. A
 * direct row's unread count equals a recount by the unread rule, tombstones never counting (a group row's is
 * checked by `checkGroupInboxRows`, by the same rule).
 */
export function checkMessageChanges(facts: TableFacts, violations: Violations): void {
  for (const [group, list] of facts.messagesByGroup) {
    for (const m of list) {
      const key = { pk: keys.messagePartition(group), sk: m.sk };
      if (m.deleted && m.text !== undefined)
        violations.add('tombstone_has_text', `deleted message ${m.uuid} still holds its text`, key);
      if (!m.deleted && m.text === undefined)
        violations.add('message_text_missing', `message ${m.uuid} has no text and is not deleted`, key);
    }
  }
  const sortedByGroup = new Map<string, StoredMessage[]>();
  for (const row of facts.inboxRows) {
    const group = row.message_group_uuid;
    if (!facts.conversations.get(group)?.includes(row.owner_uuid) || row.last_message_key === undefined)
      continue;
    let sorted = sortedByGroup.get(group);
    if (!sorted) {
      sorted = inKeyOrder(facts.messagesByGroup.get(group) ?? []);
      sortedByGroup.set(group, sorted);
    }
    const isGroup = facts.groups.has(group);
    checkPreview(row, sorted, isGroup, violations);
    if (!isGroup) checkDirectUnread(row, sorted, violations);
  }
}

/** The messages a row stands for: sent to its owner, from their join up to its head, oldest first. */
function toOwner(row: InboxFacts, sorted: readonly StoredMessage[], isGroup: boolean): StoredMessage[] {
  const head = row.last_message_key ?? '';
  const joined = row.joined_key ?? '';
  return sorted.filter((m) => m.sk <= head && m.sk >= joined && (!isGroup || sentTo(m, row.owner_uuid)));
}

function checkPreview(row: InboxFacts, sorted: readonly StoredMessage[], isGroup: boolean, v: Violations) {
  const theirs = toOwner(row, sorted, isGroup);
  const head = row.last_message_key ?? '';
  // A head that is no message sent to the owner is the head checks' (`inbox_points_past_newest`, ...).
  if (theirs.at(-1)?.sk !== head) return;
  const expected = theirs.filter((m) => !m.deleted).at(-1) ?? theirs.at(-1);
  if (!expected) return;
  const wrong: string[] = [];
  if (row.last_message_uuid !== expected.uuid)
    wrong.push(`shows message ${row.last_message_uuid ?? '(none)'}, expected ${expected.uuid}`);
  const text = expected.deleted ? '' : (expected.text ?? '');
  if (row.last_message_text !== text)
    wrong.push(
      expected.deleted
        ? 'shows text for a tombstone'
        : `shows text ${JSON.stringify(row.last_message_text)}, the message reads ${JSON.stringify(text)}`,
    );
  if ((row.preview_key ?? head) !== expected.sk)
    wrong.push(
      `preview_key ${row.preview_key ?? '(head)'}, expected ${expected.sk === head ? '(head)' : expected.sk}`,
    );
  if ((row.last_message_deleted === true) !== expected.deleted)
    wrong.push(`last_message_deleted is ${String(row.last_message_deleted ?? false)}`);
  if (!expected.deleted && (row.last_message_edit_version ?? 0) !== (expected.editVersion ?? 0))
    wrong.push(
      `shows edit ${row.last_message_edit_version ?? 0} of the message, which is at ${expected.editVersion ?? 0}`,
    );
  if (wrong.length > 0)
    v.add(
      'inbox_preview_wrong',
      `row of ${row.owner_uuid} is not the newest message sent to them that is not deleted: ${wrong.join('; ')}`,
      row,
    );
}

function checkDirectUnread(row: InboxFacts, sorted: readonly StoredMessage[], v: Violations) {
  if (!row.unreadValid) return;
  const read = row.last_read_key;
  const count = toOwner(row, sorted, false).filter(
    (m) => m.sender !== row.owner_uuid && !m.deleted && (read === undefined || m.sk > read),
  ).length;
  if (row.unread_count !== count)
    v.add('inbox_unread_wrong', `unread_count is ${String(row.unread_count)}, a recount gives ${count}`, row);
}
