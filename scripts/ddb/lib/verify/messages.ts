import { keys } from '@cruddur/ddb';
import type { TableFacts } from './table-scan.ts';
import type { ExpectedMessage, Violations } from './violations.ts';

/** Message invariants: each message stored once, in a conversation that has it as a member's. */

export const sameMembers = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().join() === [...b].sort().join();

export function checkMessageCopies(facts: TableFacts, violations: Violations): void {
  for (const [uuid, n] of facts.uuidCount) {
    if (n > 1) violations.add('message_duplicated', `message ${uuid} is stored ${n} times`);
  }
}

/** The newest message's sort key in each conversation that has messages. */
export function newestMessageByGroup(facts: TableFacts): Map<string, string> {
  const newest = new Map<string, string>();
  for (const [group, list] of facts.messagesByGroup) {
    let key = '';
    for (const m of list) if (m.sk > key) key = m.sk;
    newest.set(group, key);
  }
  return newest;
}

/**
 * Every message belongs to a conversation; a direct conversation's messages name its two members and were
 * sent by one of them (a group's membership changes, so its messages are checked by `checkGroups`).
 */
export function checkMessagesInConversations(facts: TableFacts, violations: Violations): void {
  for (const [group, list] of facts.messagesByGroup) {
    const members = facts.conversations.get(group);
    const pk = keys.messagePartition(group);
    if (!members) {
      violations.add(
        'message_orphan',
        `${list.length} message(s) in ${group}, which has no conversation item`,
        {
          pk,
        },
      );
      continue;
    }
    if (facts.groups.has(group)) continue;
    for (const m of list) {
      if (!sameMembers(m.members, members))
        violations.add(
          'message_members_mismatch',
          `message ${m.uuid} names members [${m.members.join(', ')}]`,
          {
            pk,
            sk: m.sk,
          },
        );
      // The stream consumer treats a group message differently (it never creates a row for one), so a
      // direct conversation's message must not say it is one.
      if (m.group || m.systemKind || m.system)
        violations.add(
          'message_conversation_kind_wrong',
          `message ${m.uuid} of direct conversation ${group} is marked as a group or system message`,
          { pk, sk: m.sk },
        );
      if (!members.includes(m.sender))
        violations.add('sender_not_member', `message ${m.uuid} was sent by non-member ${m.sender}`, {
          pk,
          sk: m.sk,
        });
    }
  }
}

/** Idempotency records are written in the message's own transaction, so each unexpired one names a message. */
export function checkIdempotency(facts: TableFacts, violations: Violations, now: Date): void {
  const nowSeconds = now.getTime() / 1000;
  for (const idem of facts.idempotency) {
    if (idem.expires_at !== undefined && idem.expires_at < nowSeconds) continue;
    const { message_group_uuid: group, message_sk: sk } = idem;
    if (!facts.messagesByGroup.get(group)?.some((m) => m.sk === sk))
      violations.add('idempotency_dangling', `points at ${group}/${sk}, which is not stored`, idem);
  }
}

/** Every message a client was told was accepted is stored, and only once. */
export function checkAccepted(
  facts: TableFacts,
  violations: Violations,
  expected: readonly ExpectedMessage[],
): void {
  for (const e of expected) {
    const n = facts.uuidCount.get(e.message_uuid) ?? 0;
    const inGroup = facts.messagesByGroup.get(e.message_group_uuid)?.some((m) => m.uuid === e.message_uuid);
    if (n === 0 || !inGroup)
      violations.add(
        'accepted_message_missing',
        `accepted message ${e.message_uuid} in ${e.message_group_uuid} is not stored`,
      );
    const copies = e.text ? (facts.textCount.get(e.text) ?? 0) : 0;
    if (copies > 1)
      violations.add(
        'accepted_message_stored_twice',
        `"${e.text}" is stored ${copies} times (a retry made a copy)`,
      );
  }
}
