import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { checkDeletedUsers } from './deleted-users.ts';
import { checkGroupInboxRows } from './group-inbox.ts';
import { checkGroups } from './group-state.ts';
import { checkInboxRows } from './inbox.ts';
import { checkMembers } from './members.ts';
import {
  checkAccepted,
  checkIdempotency,
  checkMessageCopies,
  checkMessagesInConversations,
  newestMessageByGroup,
} from './messages.ts';
import { checkMessageChanges } from './previews.ts';
import { checkReactions, checkReceipts } from './reactions.ts';
import { scanTableFacts } from './table-scan.ts';
import { type ExpectedMessage, type Violation, Violations } from './violations.ts';

export interface TableVerification {
  table: string;
  items: number;
  pages: number;
  conversations: number;
  /** Of `conversations`, the groups. */
  groups: number;
  messages: number;
  inboxRows: number;
  profiles: number;
  /** Messages whose text starts with `textPrefix` (the fault suite's own traffic). */
  storedWithPrefix: number;
  violations: Violation[];
}

/**
 * Scans the whole table (every page, strongly consistent) and checks, per conversation: each message is
 * stored once under the key its fields give; it has a conversation; every member has an inbox row and nobody
 * else does; idempotency records point at a stored message; every member has a profile in the replica.
 * A direct conversation's messages name its two members and were sent by one of them, its rows point at its
 * newest message, and its pair lock exists and points back. A group's messages name the membership replayed
 * from its system messages, its META ends where that replay ends, and each member's row shows the newest
 * message sent to them with an exact unread count. Every row previews the newest message sent to its owner that
 * is not deleted, as edited, and no tombstone keeps its text or reactions. Reaction counts equal their members, who
 * were all sent the message; read positions name stored messages and are never past their owner's read mark. With `expected`, every accepted message exists
 * exactly once.
 */
export async function verifyTable(
  doc: DynamoDBDocumentClient,
  table: string,
  options: { expected?: readonly ExpectedMessage[]; textPrefix?: string; now?: Date } = {},
): Promise<TableVerification> {
  const violations = new Violations();
  const facts = await scanTableFacts(doc, table, violations, options);
  checkMessageCopies(facts, violations);
  checkMembers(facts, violations);
  const newestByGroup = newestMessageByGroup(facts);
  checkMessagesInConversations(facts, violations);
  checkInboxRows(facts, violations, newestByGroup);
  checkGroups(facts, violations);
  checkGroupInboxRows(facts, violations);
  checkMessageChanges(facts, violations);
  checkReactions(facts, violations);
  checkReceipts(facts, violations);
  checkIdempotency(facts, violations, options.now ?? new Date());
  checkAccepted(facts, violations, options.expected ?? []);
  checkDeletedUsers(facts, violations);
  return {
    table,
    items: facts.items,
    pages: facts.pages,
    conversations: facts.conversations.size,
    groups: facts.groups.size,
    messages: facts.messages,
    inboxRows: facts.inboxRows.length,
    profiles: facts.profiles.size,
    storedWithPrefix: facts.storedWithPrefix,
    violations: violations.list,
  };
}
