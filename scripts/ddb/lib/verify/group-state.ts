import { keys, parseMessageSortKey, type SystemEvent } from '@cruddur/ddb';
import { sameMembers } from './messages.ts';
import type { GroupFacts, StoredMessage, TableFacts } from './table-scan.ts';
import type { Violations } from './violations.ts';

/**
 * Group state invariants (docs/contracts.md, "Group conversations"). Replaying a group's system messages in key
 * order, from its first message's members, gives the membership in force at every message: each message names
 * exactly that membership (a system message the one after its change), and was sent by a member (a leave by
 * the one who left). META is where the replay ends: the same members, a join for each of them at the message
 * where they last joined, and `state_key` at the newest system message (the first message while there is none).
 *
 * Changes are serialised by `state_key`, so system messages are keyed in the order they were committed; a text
 * message is not. A change's key is its time when it was drafted, and a send that read the same state can
 * commit after that draft, with a later key, before the change commits: it was sent to the membership before
 * the change, correctly, yet sits above it in key order. So a text message may also name the membership before
 * the newest changes below it, as long as those changes are keyed at most `IN_FLIGHT_MS` before it.
 */

/**
 * How long a write can be in flight between taking its time and committing: the document client's 10 s request
 * timeout times its 5 attempts, and some (packages/ddb `createDocumentClient`); replicas' clocks must also agree
 * within what is left. Older than that, a change must have committed before the message, and a message naming
 * the membership before it was sent on a stale state (a cached membership, say). The contract only asks for a
 * state below the message's key; this bound is what lets the check still catch a stale one.
 */
const IN_FLIGHT_MS = 60_000;

const timeOf = (sk: string) => Date.parse(parseMessageSortKey(sk)?.createdAt ?? '');

/** A group's messages in key order: the order the membership rule is defined in. */
export function inKeyOrder(messages: readonly StoredMessage[]): StoredMessage[] {
  return [...messages].sort((a, b) => (a.sk < b.sk ? -1 : a.sk > b.sk ? 1 : 0));
}

/** The membership after `event`: who was added joins at the end (join order), who left leaves. */
function afterEvent(before: readonly string[], event: SystemEvent | undefined): string[] {
  if (event?.action === 'added') return [...before, ...event.user_uuids.filter((u) => !before.includes(u))];
  if (event?.action === 'left') return before.filter((m) => !event.user_uuids.includes(m));
  return [...before];
}

interface Replayed {
  members: string[];
  /** Each current member's last join: the key of the first message, or of the `added` message naming them. */
  joins: Map<string, string>;
  /** The key of the first stored message: the members it names joined there, or before it if older ones expired. */
  firstKey: string;
  stateKey: string;
}

/**
 * The memberships a text message keyed at `sk` may have been committed under: the one in force at its key, and
 * the ones before each of the newest changes that were still in flight when it took its time.
 */
function inForceAt(
  sk: string,
  current: readonly string[],
  changes: readonly Change[],
): (readonly string[])[] {
  const candidates = [current];
  const at = timeOf(sk);
  for (let i = changes.length - 1; i >= 0; i--) {
    const change = changes[i]!;
    if (!(at - change.at <= IN_FLIGHT_MS)) break;
    candidates.push(change.before);
  }
  return candidates;
}

/** A membership change in key order: when it was keyed, and the membership before it. */
interface Change {
  at: number;
  before: readonly string[];
}

function replayMessages(group: string, sorted: readonly StoredMessage[], violations: Violations) {
  const first = sorted[0];
  if (!first) return undefined;
  const pk = keys.messagePartition(group);
  const replayed: Replayed = {
    members: [...first.members],
    joins: new Map(first.members.map((m) => [m, first.sk])),
    firstKey: first.sk,
    stateKey: first.sk,
  };
  const changes: Change[] = [];
  for (const [i, m] of sorted.entries()) {
    let before: readonly string[] = replayed.members;
    const event = m.system;
    if (i > 0 && event) {
      changes.push({ at: timeOf(m.sk), before });
      replayed.members = afterEvent(before, event);
      for (const u of replayed.members) if (!before.includes(u)) replayed.joins.set(u, m.sk);
      for (const u of before) if (!replayed.members.includes(u)) replayed.joins.delete(u);
    }
    if (m.systemKind) replayed.stateKey = m.sk;
    const at = { pk, sk: m.sk };
    // The stream consumer only moves existing rows for a group's messages; one not marked would create rows.
    if (!m.group)
      violations.add(
        'message_conversation_kind_wrong',
        `message ${m.uuid} of group ${group} has no conversation_kind "group"`,
        at,
      );
    if (m.systemKind !== (m.system !== undefined))
      violations.add(
        'group_system_message_invalid',
        m.systemKind
          ? `system message ${m.uuid} has no system event`
          : `message ${m.uuid} has a system event but is not kind "system"`,
        at,
      );
    const candidates = event ? [replayed.members] : inForceAt(m.sk, replayed.members, changes);
    const inForce = candidates.find((c) => sameMembers(m.members, c));
    if (i > 0 && !inForce)
      violations.add(
        'message_members_mismatch',
        `message ${m.uuid} names members [${m.members.join(', ')}]; replaying the system messages gives [${replayed.members.join(', ')}]`,
        at,
      );
    // A text message's sender was a member of the state it was committed under.
    if (!event && inForce) before = inForce;
    const leaver = event?.action !== 'left' || event.user_uuids.includes(m.sender);
    if (!before.includes(m.sender) || !leaver)
      violations.add(
        'sender_not_member',
        `message ${m.uuid} was sent by ${m.sender}, not a member of ${group} then${leaver ? '' : ' (a leave is sent by the one who left)'}`,
        at,
      );
  }
  return replayed;
}

function checkMeta(
  group: string,
  meta: GroupFacts,
  members: readonly string[],
  replayed: Replayed | undefined,
  violations: Violations,
): void {
  const at = keys.conversation(group);
  const joined = meta.joined ?? {};
  if (!sameMembers(Object.keys(joined), members))
    violations.add(
      'group_joined_mismatch',
      `joined names [${Object.keys(joined).join(', ')}], members are [${members.join(', ')}]`,
      at,
    );
  if (!replayed) return;
  if (!sameMembers(members, replayed.members))
    violations.add(
      'group_members_mismatch',
      `META has members [${members.join(', ')}]; replaying the system messages gives [${replayed.members.join(', ')}]`,
      at,
    );
  // Retention (DynamoDB TTL) removes text messages, never system messages: when the group's first messages expired,
  // a join recorded before the first stored message is right for the members that message already names.
  const startExpired = Object.values(joined).some((key) => key < replayed.firstKey);
  for (const m of members) {
    const expected = replayed.joins.get(m);
    const joinedBeforeStored =
      startExpired && expected === replayed.firstKey && (joined[m] ?? '') <= expected;
    if (expected !== undefined && joined[m] !== undefined && joined[m] !== expected && !joinedBeforeStored)
      violations.add(
        'group_joined_mismatch',
        `joined[${m}] is ${joined[m]}, but ${m} last joined at ${expected}`,
        at,
      );
  }
  if (meta.stateKey !== replayed.stateKey)
    violations.add(
      'group_state_key_wrong',
      `state_key is ${meta.stateKey ?? '(none)'}, the newest system message (or the first message) is ${replayed.stateKey}`,
      at,
    );
}

/** Every group's messages against the replayed membership, and its META against where the replay ends. */
export function checkGroups(facts: TableFacts, violations: Violations): void {
  for (const [group, meta] of facts.groups) {
    const sorted = inKeyOrder(facts.messagesByGroup.get(group) ?? []);
    const replayed = replayMessages(group, sorted, violations);
    checkMeta(group, meta, facts.conversations.get(group) ?? [], replayed, violations);
  }
}
