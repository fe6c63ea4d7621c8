import { AppError, toTimestamp } from '@cruddur/contracts';
import { messageUuidAt, type NewIdempotency, type NewMessage, parseMessageSortKey } from '@cruddur/ddb';
import type { Logger } from '@cruddur/logger';
import { IDEMPOTENCY_TTL_SECONDS } from '../data/requests.ts';
import type { MessageStore, WriteOutcome } from '../data/store.ts';
import { type MessageView, toMessage } from './views.ts';

/**
 * What every write of a message shares: new ids and times, idempotency records and their replays, and the
 * rounds a lost race is retried in. Used by direct conversations and groups alike.
 */

/**
 * How long a write keeps trying after lost races (another writer on the same items, a group change between the
 * read and the write) before a retryable 409: each round re-reads what the winner wrote, so every lost round
 * means someone else made progress. Bounded by time, not a count, so a burst of group changes cannot exhaust
 * a send, and it stays inside the gateway's upstream timeout (3 s by default).
 */
const RETRY_BUDGET_MS = 2_500;

export interface DraftOptions {
  store: MessageStore;
  logger: Logger;
  clock: () => Date;
  newUuid: () => string;
  /** MESSAGE_RETENTION_DAYS: every new message carries its expiry; undefined: kept for good. */
  retentionDays?: number | undefined;
}

export class Drafts {
  constructor(private readonly options: DraftOptions) {}

  newUuid(): string {
    return this.options.newUuid();
  }

  /**
   * A new message. In a group its time is kept above the group's state (`afterKey`, the newest system message):
   * a replica whose clock is behind must still put the message after the change it was sent under. Its uuid is
   * a UUIDv7 of that same time, so its key can be found from the uuid alone (edits and deletes).
   */
  message(draft: Omit<NewMessage, 'messageUuid' | 'createdAt'>, afterKey?: string | undefined): NewMessage {
    let at = this.options.clock();
    const after = afterKey ? parseMessageSortKey(afterKey) : undefined;
    if (after) {
      const floor = Date.parse(after.createdAt) + 1;
      if (at.getTime() < floor) at = new Date(floor);
    }
    const { retentionDays } = this.options;
    // System messages are the group's membership history (every member's join and the group's state point at
    // them), so only text messages expire.
    const expires = retentionDays !== undefined && !draft.group?.system;
    return {
      ...draft,
      messageUuid: messageUuidAt(at),
      createdAt: toTimestamp(at),
      ...(expires ? { expiresAt: Math.floor(at.getTime() / 1000) + retentionDays * 24 * 60 * 60 } : {}),
    };
  }

  idempotency(
    senderUuid: string,
    key: string | undefined,
    hash: string,
    createdConversation: boolean,
  ): NewIdempotency | undefined {
    if (!key) return undefined;
    const now = this.options.clock();
    return {
      senderUuid,
      key,
      requestHash: hash,
      createdConversation,
      createdAt: toTimestamp(now),
      expiresAt: Math.floor(now.getTime() / 1000) + IDEMPOTENCY_TTL_SECONDS,
    };
  }

  now(): Date {
    return this.options.clock();
  }

  /** The message an earlier request with this key made, or a 409 when the key was used for something else. */
  async replay(
    senderUuid: string,
    key: string,
    hash: string,
  ): Promise<{ message: MessageView; createdConversation: boolean } | undefined> {
    const { store } = this.options;
    const record = await store.getIdempotency(senderUuid, key);
    if (!record) return undefined;
    if (record.request_hash !== hash) throw new AppError('idempotency_key_reused');
    const item = await store.getMessage(record.message_group_uuid, record.message_sk);
    // Written in the same transaction as the record, so its absence is a bug, not a race.
    if (!item) throw new Error(`idempotency record ${key} points at a missing message`);
    const profiles = await store.getProfiles([item.sender_uuid, ...(item.system?.user_uuids ?? [])]);
    return {
      message: toMessage(item, profiles, senderUuid),
      createdConversation: record.created_conversation,
    };
  }

  logRetry(what: string, outcome: WriteOutcome | { ok: false; reason: string }) {
    this.options.logger.debug({ outcome }, `${what}: lost a race, reading the winner and trying again`);
  }
}

/** Jittered exponential pause before round `round` of a retried write, at most 160 ms. */
function backoff(round: number): Promise<void> {
  const ms = Math.random() * 10 * 2 ** Math.min(round, 4);
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The rounds of a retried write: the first at once, each later one after a backoff (or at once, when the last one
 * lost to a change whose result is already known), until the budget is spent; then the caller answers 409 conflict.
 * `for (const rounds = new WriteRounds(); await rounds.next(); ) { ... }`
 */
export class WriteRounds {
  private round = 0;
  private atOnce = false;
  private readonly deadline: number;

  constructor(budgetMs = RETRY_BUDGET_MS) {
    this.deadline = performance.now() + budgetMs;
  }

  async next(): Promise<boolean> {
    if (this.round++ === 0) return true;
    if (performance.now() >= this.deadline) return false;
    if (!this.atOnce) await backoff(this.round);
    this.atOnce = false;
    return true;
  }

  /** The next round starts without a pause: the write lost to a change it has already read the result of. */
  retryAtOnce(): void {
    this.atOnce = true;
  }
}
