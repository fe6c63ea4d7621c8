import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { EventEnvelope } from '@cruddur/contracts';
import { MalformedItemError, type MessageItem } from '@cruddur/ddb';
import type { Logger } from '@cruddur/logger';
import { RecordError, toRecordError } from '../errors.ts';
import { classifyRecord } from '../records/message-record.ts';
import type { StreamRecord } from '../records/stream-record.ts';
import { deletedUserOf } from '../records/user-record.ts';
import { Audience } from './audience.ts';
import { MessageChangeUpdater } from './change-updater.ts';
import {
  inboxUpdatedEvent,
  messageCreatedEvent,
  messageDeletedEvent,
  messageUpdatedEvent,
  reactionChangedEvent,
  receiptUpdatedEvent,
  userDeletedEvent,
} from './events.ts';
import { InboxUpdater, type MemberOutcome, type MemberResult, type UpdatedRow } from './inbox-updater.ts';

export type HandleResult =
  /** `events`: what a record that moves no row still announces (a deleted user, to the gateways). */
  | { status: 'skipped'; reason: string; events?: EventEnvelope[] }
  | {
      status: 'applied';
      /** The message the record was about; absent for a read position. */
      message?: MessageItem | undefined;
      /** When what the record is about happened, for the lag metric (a new message's or a change's time). */
      createdAtMs?: number | undefined;
      events: EventEnvelope[];
      outcomes: Record<string, MemberOutcome>;
    };

/**
 * The record handler shared by the shard workers and the Lambda: classify, update every member's inbox, and
 * return the events to publish (`message.created` once, or `message.updated` / `message.deleted` once per change,
 * and `inbox.updated` per member whose row shows this message, was recounted, or had its preview changed). Throws
 * RecordError; whether to retry is the caller's choice by `retryable`.
 */
export class RecordHandler {
  private readonly inbox: InboxUpdater;
  private readonly changes: MessageChangeUpdater;
  private readonly audience: Audience;
  private readonly logger: Logger;

  constructor(options: {
    ddb: DynamoDBDocumentClient;
    table: string;
    logger: Logger;
    /** Told the write capacity units of every inbox update (the cost metric). */
    onWriteUnits?: (units: number) => void;
  }) {
    this.inbox = new InboxUpdater(options);
    this.changes = new MessageChangeUpdater(options);
    this.audience = new Audience(options);
    this.logger = options.logger;
  }

  /**
   * Handles several records of one conversation together when they are all valid message INSERTs with the same
   * members (a backlog): one conditional update per member instead of one per message. Returns undefined when
   * the records do not qualify, and the caller handles them one by one.
   */
  async handleConversation(
    records: readonly StreamRecord[],
  ): Promise<{ messages: MessageItem[]; events: EventEnvelope[] } | undefined> {
    if (records.length < 2) return undefined;
    const messages: MessageItem[] = [];
    for (const record of records) {
      const classified = classifyRecord(record);
      if (classified.kind !== 'message') return undefined;
      messages.push(classified.message);
    }
    // The same recipients: the same members, and none hidden from anyone (a block's messages go one by one).
    const members = [...messages[0]!.members].sort().join(',');
    if (messages.some((m) => [...m.members].sort().join(',') !== members || m.hidden_from)) return undefined;
    let results: Awaited<ReturnType<InboxUpdater['applyMany']>>;
    try {
      results = await this.inbox.applyMany(messages);
    } catch (err) {
      throw toRecordError(err);
    }
    const events: EventEnvelope[] = messages.flatMap(
      (m, i) => messageCreatedEvent(m, records[i]!.eventId || m.message_uuid) ?? [],
    );
    const traceId = records.at(-1)!.eventId || messages.at(-1)!.message_uuid;
    const requests = requestOwners(results);
    for (const { owner, outcome, row } of results) {
      if (outcome === 'past' || requests.has(owner)) continue;
      const event = this.inboxEvent(owner, messages.at(-1)!, row, traceId);
      if (event) events.push(event);
    }
    withoutRequests(events, requests);
    return { messages, events };
  }

  async handle(record: StreamRecord): Promise<HandleResult> {
    const deletedUser = deletedUserOf(record);
    if (deletedUser)
      return {
        status: 'skipped',
        reason: 'a deleted user',
        events: [userDeletedEvent(deletedUser, record.eventId)],
      };
    const classified = classifyRecord(record);
    if (classified.kind === 'skip') return { status: 'skipped', reason: classified.reason };
    if (classified.kind === 'invalid') throw new RecordError(classified.reason, { retryable: false });
    if (classified.kind === 'reaction' || classified.kind === 'receipt')
      return this.handleNotice(record, classified);
    const { message } = classified;
    const traceId = record.eventId || message.message_uuid;
    const events: EventEnvelope[] = [];
    let results: ({ owner: string } & MemberResult)[];
    try {
      if (classified.kind === 'message') {
        results = await this.inbox.apply(message);
        const created = messageCreatedEvent(message, traceId);
        if (created) events.push(created);
        // A message written already deleted (a restore, not the app): what it moved, its delete takes back.
        if (message.deleted) results = await this.changes.applyDelete(message);
      } else if (classified.change === 'edited') {
        results = await this.changes.applyEdit(message);
        const updated = messageUpdatedEvent(message, traceId);
        if (updated) events.push(updated);
      } else {
        results = await this.changes.applyDelete(message);
        const at = new Date(record.approximateCreatedAtMs ?? Date.now());
        const deleted = messageDeletedEvent(message, traceId, at);
        if (deleted) events.push(deleted);
      }
    } catch (err) {
      throw toRecordError(err);
    }
    const outcomes: Record<string, MemberOutcome> = {};
    const requests = requestOwners(results);
    for (const { owner, outcome, row } of results) {
      outcomes[owner] = outcome;
      if (outcome === 'past' || outcome === 'gone' || requests.has(owner)) continue;
      const event = this.inboxEvent(owner, message, row, traceId);
      if (event) events.push(event);
    }
    withoutRequests(events, requests);
    this.logger.debug(
      {
        message_uuid: message.message_uuid,
        change: classified.kind === 'change' ? classified.change : 'created',
        outcomes,
        events: events.map((e) => e.id),
      },
      'message applied',
    );
    return { status: 'applied', message, createdAtMs: Date.parse(message.created_at), events, outcomes };
  }

  /**
   * A reaction or a read position: no inbox row changes, one event to the audience (see audience.ts), made from
   * the item's own stream record like every other event, so it travels the same path (and the same ids on a replay).
   */
  private async handleNotice(
    record: StreamRecord,
    classified: Extract<ReturnType<typeof classifyRecord>, { kind: 'reaction' | 'receipt' }>,
  ): Promise<HandleResult> {
    const at = new Date(record.approximateCreatedAtMs ?? Date.now());
    const traceId = record.eventId || record.sequenceNumber;
    let event: EventEnvelope | undefined;
    try {
      if (classified.kind === 'reaction') {
        const members = await this.audience.ofMessage(classified.message);
        event = reactionChangedEvent(classified.message, classified.before, members, traceId, at);
      } else {
        const members = await this.audience.ofReceipt(classified.receipt.message_group_uuid);
        event = receiptUpdatedEvent(classified.receipt, members, traceId);
      }
    } catch (err) {
      throw toRecordError(err);
    }
    return {
      status: 'applied',
      message: classified.kind === 'reaction' ? classified.message : undefined,
      events: event ? [event] : [],
      outcomes: {},
    };
  }

  /**
   * `inbox.updated` for a member's row as the update left it. A row that does not match the inbox item schema is
   * updated all the same; only its event is lost, and a later message's event will carry the whole state.
   */
  private inboxEvent(
    owner: string,
    message: MessageItem,
    row: UpdatedRow | undefined,
    traceId: string,
  ): EventEnvelope | undefined {
    if (row instanceof MalformedItemError) {
      this.logger.warn(
        { owner, message_group_uuid: message.message_group_uuid, issues: row.detail },
        'inbox row does not match the inbox item schema; no inbox.updated',
      );
      return undefined;
    }
    return row ? inboxUpdatedEvent(row, traceId) : undefined;
  }
}

/** Members whose row is a message request (pending or declined): nothing about it is pushed to them. */
function requestOwners(results: readonly ({ owner: string } & MemberResult)[]): Set<string> {
  const owners = new Set<string>();
  for (const { owner, row } of results)
    if (row && !(row instanceof MalformedItemError) && row.request !== undefined) owners.add(owner);
  return owners;
}

/** Takes request owners out of the message events' recipients (in place); an event left with nobody is dropped. */
function withoutRequests(events: EventEnvelope[], requests: ReadonlySet<string>): void {
  if (requests.size === 0) return;
  for (let i = events.length - 1; i >= 0; i--) {
    const payload = events[i]!.payload as { members?: string[] };
    if (!payload.members) continue;
    payload.members = payload.members.filter((m) => !requests.has(m));
    if (payload.members.length === 0) events.splice(i, 1);
  }
}
