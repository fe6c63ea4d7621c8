import { GROUP_MEMBERS_LIMIT, keys } from '@cruddur/ddb';
import type { TableFacts } from './table-scan.ts';
import type { Violations } from './violations.ts';

/**
 * Member invariants: a direct conversation has two distinct members and the pair lock of those two points
 * back at it; a group has distinct members, at most `GROUP_MEMBERS_LIMIT` (and no pair lock); every member has
 * a profile in the replica; every pair lock points at a conversation.
 */
export function checkMembers(facts: TableFacts, violations: Violations): void {
  const pairByPk = new Map<string, string[]>();
  for (const p of facts.pairs) pairByPk.set(p.pk, [...(pairByPk.get(p.pk) ?? []), p.group]);
  for (const [group, members] of facts.conversations) {
    const isGroup = facts.groups.has(group);
    if (isGroup && (members.length > GROUP_MEMBERS_LIMIT || new Set(members).size !== members.length))
      violations.add(
        'conversation_members_invalid',
        `group ${group} has members [${members.join(', ')}]`,
        keys.conversation(group),
      );
    if (!isGroup && (members.length !== 2 || new Set(members).size !== 2))
      violations.add(
        'conversation_members_invalid',
        `conversation ${group} has members [${members.join(', ')}]`,
        keys.conversation(group),
      );
    for (const member of members) {
      if (!facts.profiles.has(member))
        violations.add(
          'member_profile_missing',
          `member ${member} of ${group} has no USER# profile in the replica`,
          keys.user(member),
        );
    }
    if (!isGroup && members.length === 2) {
      const lock = keys.pair(members[0]!, members[1]!);
      const locked = pairByPk.get(lock.pk);
      if (!locked) violations.add('pair_lock_missing', `conversation ${group} has no pair lock`, lock);
      else if (!locked.includes(group))
        violations.add(
          'pair_lock_mismatch',
          `pair lock of ${group}'s members points at ${locked.join(', ')}`,
          lock,
        );
    }
  }
  for (const p of facts.pairs) {
    if (!facts.conversations.has(p.group))
      violations.add('pair_lock_orphan', `pair lock points at missing conversation ${p.group}`, {
        pk: p.pk,
        sk: 'PAIR',
      });
  }
}
