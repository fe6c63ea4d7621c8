import { isSingleEmoji, MAX_REACTIONS_PER_MESSAGE } from '@cruddur/contracts';
import { keys } from '@cruddur/ddb';
import type { TableFacts } from './table-scan.ts';
import type { Violations } from './violations.ts';

/**
 * Reaction invariants (docs/contracts.md, "Reactions and read receipts"). Each emoji's count is the number of
 * members stored for it, so the count a thread shows equals its records unless a stored list repeats someone
 * (`reaction_count_mismatch`; the service writes string sets, which cannot). Beyond that: at most 20 emoji, each
 * one emoji with at least one member, every member one the message was sent to (only they can see it), and no
 * reactions left on a tombstone (the delete removes them).
 */
export function checkReactions(facts: TableFacts, violations: Violations): void {
  for (const [group, list] of facts.messagesByGroup) {
    for (const m of list) {
      const key = { pk: keys.messagePartition(group), sk: m.sk };
      const entries = Object.entries(m.reactions ?? {});
      if (m.deleted && entries.length > 0) {
        violations.add(
          'reaction_on_tombstone',
          `deleted message ${m.uuid} still shows ${entries.length} emoji`,
          key,
        );
        continue;
      }
      if (entries.length > MAX_REACTIONS_PER_MESSAGE)
        violations.add(
          'reactions_too_many',
          `message ${m.uuid} has ${entries.length} distinct emoji (at most ${MAX_REACTIONS_PER_MESSAGE})`,
          key,
        );
      for (const [emoji, users] of entries) {
        if (!isSingleEmoji(emoji))
          violations.add(
            'reaction_emoji_invalid',
            `message ${m.uuid} has a reaction ${JSON.stringify(emoji)}`,
            key,
          );
        const distinct = new Set(users);
        if (distinct.size !== users.length)
          violations.add(
            'reaction_count_mismatch',
            `${emoji} on message ${m.uuid} counts ${users.length}, from ${distinct.size} member(s)`,
            key,
          );
        if (users.length === 0)
          violations.add(
            'reaction_count_mismatch',
            `${emoji} on message ${m.uuid} counts 0 and is still stored`,
            key,
          );
        for (const user of distinct)
          if (!m.members.includes(user))
            violations.add(
              'reaction_by_non_recipient',
              `${emoji} on message ${m.uuid} is from ${user}, whom it was not sent to`,
              key,
            );
      }
    }
  }
}

/**
 * Read positions: each names a stored message of its conversation, and is never ahead of its owner's own read
 * mark (it is recorded from the row's `last_read_key` after the row moved, forward only).
 */
export function checkReceipts(facts: TableFacts, violations: Violations): void {
  const marks = new Map(facts.inboxRows.map((row) => [`${row.owner_uuid}/${row.message_group_uuid}`, row]));
  for (const r of facts.receipts) {
    const key = { pk: r.pk, sk: r.sk };
    const message = facts.messagesByGroup.get(r.message_group_uuid)?.find((m) => m.sk === r.read_key);
    if (!message || message.uuid !== r.read_message_uuid)
      violations.add(
        'receipt_dangling',
        `${r.user_uuid}'s read position in ${r.message_group_uuid} names no stored message (${r.read_key})`,
        key,
      );
    // A row without a mark may belong to a member who left and was added again: their old position stays.
    const row = marks.get(`${r.user_uuid}/${r.message_group_uuid}`);
    if (row?.last_read_key !== undefined && r.read_key > row.last_read_key)
      violations.add(
        'receipt_ahead_of_read',
        `${r.user_uuid}'s read position ${r.read_key} is past their read mark ${row.last_read_key}`,
        key,
      );
  }
}
