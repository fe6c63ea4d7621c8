import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { EventPublisher } from '@cruddur/aws';
import { type EventEnvelope, eventRecipients, feedKey } from '@cruddur/contracts';
import { type FeedItem, feedItem } from '@cruddur/ddb';
import { backoffMs, sleep } from '@cruddur/http';
import pLimit from 'p-limit';

const WRITE_BATCH = 25; // the BatchWriteItem limit
const WRITE_CONCURRENCY = 8;
/**
 * Logged events remembered with their keys, so a publish retried after a failed send logs nothing again: at most
 * this many, for at most this long. A retry later than that logs its events again under fresh keys (readers keep the
 * first copy of an id), so the memory follows the retry window, not the traffic: a process that remembered every
 * event until the count was reached grew by ~3 MB over a 10-minute soak.
 */
const REMEMBERED_EVENTS = 20_000;
const REMEMBER_MS = 60_000;

export interface FeedPublisherOptions {
  ddb: DynamoDBDocumentClient;
  table: string;
  /** Where the events go once logged. */
  publisher: EventPublisher;
  /** FEED_RETENTION_HOURS: how long a change stays replayable. */
  retentionHours: number;
  /**
   * FEED_WRITE_DEADLINE_MS: a feed write that has not completed this long after its keys were taken fails instead
   * of finishing later: a reader may have passed those keys by then (the gateway replays with an overlap of
   * FEED_REPLAY_OVERLAP_MS, which must stay above this plus the clock skew between hosts). The caller's retry
   * writes the events again under fresh keys.
   */
  writeDeadlineMs: number;
  now?: () => number;
}

/** The feed write did not complete in time, or DynamoDB kept refusing part of it; retry the whole publish. */
export class FeedWriteError extends Error {}

/**
 * An EventPublisher that first logs every event in each recipient's change feed, then publishes it with its
 * `feed_key`, so whatever reaches a stream live can be replayed to a client that reconnects. Keys are taken at
 * call time, strictly increasing per process, so calls made in stream order (the batch processor starts its
 * publish chunks in order) sort in that order even while their writes overlap. An event with no recipient is
 * published unlogged. Publishing an event again that this process has logged (the caller retrying a failed send)
 * sends it with the key it was logged under: a new, later key would make an older `inbox.updated` look newer than
 * one published in between. Events logged elsewhere (a batch re-read after a crash) get new keys; readers keep the
 * first copy of each event id, and clients apply a repeated event idempotently.
 */
export class FeedPublisher implements EventPublisher {
  private lastMs = 0;
  private nextIndex = 0;
  /** Event id -> the key it was logged under and when, oldest first (a Map keeps insertion order). */
  private readonly logged = new Map<string, { key: string; at: number }>();
  private readonly now: () => number;

  constructor(private readonly options: FeedPublisherOptions) {
    this.now = options.now ?? Date.now;
  }

  async publish(events: readonly EventEnvelope[]): Promise<void> {
    if (events.length === 0) return;
    const takenAt = this.now();
    const { items, logged } = this.logItems(events);
    await this.write(items, takenAt);
    for (const event of logged) if (event.feed_key) this.remember(event.id, event.feed_key);
    await this.options.publisher.publish(logged);
  }

  private remember(eventId: string, key: string): void {
    const at = this.now();
    this.logged.delete(eventId);
    this.logged.set(eventId, { key, at });
    for (const [id, entry] of this.logged) {
      if (this.logged.size <= REMEMBERED_EVENTS && entry.at > at - REMEMBER_MS) break;
      this.logged.delete(id);
    }
  }

  /** Keys for every event, taken synchronously so concurrent calls cannot interleave their order. */
  private logItems(events: readonly EventEnvelope[]): { items: FeedItem[]; logged: EventEnvelope[] } {
    const expiresAt = Math.ceil(this.now() / 1000) + (this.options.retentionHours + 1) * 3600;
    const items: FeedItem[] = [];
    const logged = events.map((event) => {
      const recipients = eventRecipients(event);
      if (recipients.length === 0) return event;
      const known = this.logged.get(event.id)?.key;
      if (known) return { ...event, feed_key: known };
      const key = this.nextKey(event.id);
      for (const owner of recipients) items.push(feedItem(owner, key, event, expiresAt));
      return { ...event, feed_key: key };
    });
    return { items, logged };
  }

  private nextKey(eventId: string): string {
    const nowMs = this.now();
    if (nowMs > this.lastMs) {
      this.lastMs = nowMs;
      this.nextIndex = 0;
    }
    // The index has six digits; past that (never at real rates) the next millisecond is borrowed.
    if (this.nextIndex > 999_999) {
      this.lastMs++;
      this.nextIndex = 0;
    }
    return feedKey(new Date(this.lastMs), this.nextIndex++, eventId);
  }

  private async write(items: FeedItem[], takenAt: number): Promise<void> {
    const deadline = takenAt + this.options.writeDeadlineMs;
    const limit = pLimit(WRITE_CONCURRENCY);
    const chunks: FeedItem[][] = [];
    for (let i = 0; i < items.length; i += WRITE_BATCH) chunks.push(items.slice(i, i + WRITE_BATCH));
    await Promise.all(chunks.map((chunk) => limit(() => this.writeChunk(chunk, deadline))));
    if (this.now() > deadline) throw new FeedWriteError('feed write finished after its deadline');
  }

  private async writeChunk(chunk: FeedItem[], deadline: number): Promise<void> {
    let pending: Record<string, unknown>[] = chunk.map((Item) => ({ PutRequest: { Item } }));
    for (let round = 1; pending.length > 0; round++) {
      if (this.now() > deadline)
        throw new FeedWriteError(`${pending.length} feed items unwritten at the deadline`);
      const res = await this.options.ddb.send(
        new BatchWriteCommand({ RequestItems: { [this.options.table]: pending as never } }),
      );
      pending = (res.UnprocessedItems?.[this.options.table] as Record<string, unknown>[] | undefined) ?? [];
      if (pending.length > 0) await sleep(backoffMs(round, 50, 1_000));
    }
  }
}
