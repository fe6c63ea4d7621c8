import { type DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { EventEnvelope } from '@cruddur/contracts';
import type { Logger } from '@cruddur/logger';
import { isConditionalCheckFailed, RecordError, toRecordError } from './errors.ts';
import { inboxUpdatedEvent, messageCreatedEvent, parseInboxRow } from './events.ts';
import { buildAdvanceInbox, buildGetInbox, buildSetUnread, buildUnreadQuery } from './inbox-requests.ts';
import { classifyRecord, type MessageItem } from './message-record.ts';
import type { StreamRecord } from './stream-record.ts';

/** What one member's row did: moved to this message, already showed it, is past it (maybe recounted), or neither. */
export type MemberOutcome = 'advanced' | 'current' | 'recounted' | 'past';

// A row that changes under us this many times in a row is left to the record's next attempt.
const MAX_ROW_ROUNDS = 5;

/** Applies one message to every member's inbox row; see inbox-requests.ts for the forward-only and unread rules. */
export class InboxUpdater {
  constructor(private readonly options: { ddb: DynamoDBDocumentClient; table: string }) {}

  async apply(
    message: MessageItem,
  ): Promise<{ owner: string; outcome: MemberOutcome; row: Record<string, unknown> | undefined }[]> {
    return Promise.all(
      message.members.map(async (owner) => ({ owner, ...(await this.applyForMember(owner, message)) })),
    );
  }

  private async applyForMember(
    owner: string,
    message: MessageItem,
  ): Promise<{ outcome: MemberOutcome; row: Record<string, unknown> | undefined }> {
    const { ddb, table } = this.options;
    const recipient = owner !== message.sender_uuid;
    for (let round = 0; round < MAX_ROW_ROUNDS; round++) {
      const advanced = await this.tryUpdate(
        buildAdvanceInbox({ table, owner, message, countUnread: recipient }),
      );
      if (advanced) return { outcome: 'advanced', row: advanced };
      const row = (await ddb.send(new GetCommand(buildGetInbox(table, owner, message.message_group_uuid))))
        .Item;
      if (!row) continue; // deleted between the two calls: the next round creates it
      const head = typeof row.last_message_key === 'string' ? row.last_message_key : undefined;
      const readKey = typeof row.last_read_key === 'string' ? row.last_read_key : undefined;
      if (head === undefined || head < message.key) {
        // Behind, but the owner already read past this message: move forward without counting it.
        const moved = await this.tryUpdate(buildAdvanceInbox({ table, owner, message, countUnread: false }));
        if (moved) return { outcome: 'advanced', row: moved };
        continue;
      }
      if (head === message.key) return { outcome: 'current', row };
      if (!recipient || (readKey !== undefined && readKey >= message.key)) return { outcome: 'past', row };
      const unread = await this.countUnread(owner, message.message_group_uuid, readKey, head);
      if (unread === row.unread_count) return { outcome: 'past', row };
      const recounted = await this.tryUpdate(
        buildSetUnread({
          table,
          owner,
          groupUuid: message.message_group_uuid,
          unreadCount: unread,
          headKey: head,
          readKey,
        }),
      );
      if (recounted) return { outcome: 'recounted', row: recounted };
    }
    throw new RecordError(`inbox row of ${owner} kept changing`, { retryable: true });
  }

  private async tryUpdate(input: ConstructorParameters<typeof UpdateCommand>[0]) {
    try {
      return (await this.options.ddb.send(new UpdateCommand(input))).Attributes;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return undefined;
      throw err;
    }
  }

  private async countUnread(
    owner: string,
    groupUuid: string,
    readKey: string | undefined,
    head: string,
  ): Promise<number> {
    let count = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.options.ddb.send(
        new QueryCommand(buildUnreadQuery(this.options.table, groupUuid, readKey, head, startKey)),
      );
      for (const item of page.Items ?? []) {
        if (item.sk !== readKey && item.sender_uuid !== owner) count++;
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return count;
  }
}

export type HandleResult =
  | { status: 'skipped'; reason: string }
  | {
      status: 'applied';
      message: MessageItem;
      events: EventEnvelope[];
      outcomes: Record<string, MemberOutcome>;
    };

/**
 * The record handler shared by the shard workers and the Lambda: classify, update every member's inbox, and
 * return the events to publish (`message.created` once, `inbox.updated` per member whose row shows this message
 * or was recounted). Throws RecordError; whether to retry is the caller's choice by `retryable`.
 */
export class RecordHandler {
  private readonly inbox: InboxUpdater;
  private readonly logger: Logger;

  constructor(options: { ddb: DynamoDBDocumentClient; table: string; logger: Logger }) {
    this.inbox = new InboxUpdater(options);
    this.logger = options.logger;
  }

  async handle(record: StreamRecord): Promise<HandleResult> {
    const classified = classifyRecord(record);
    if (classified.kind === 'skip') return { status: 'skipped', reason: classified.reason };
    if (classified.kind === 'invalid') throw new RecordError(classified.reason, { retryable: false });
    const { message } = classified;
    let results: Awaited<ReturnType<InboxUpdater['apply']>>;
    try {
      results = await this.inbox.apply(message);
    } catch (err) {
      throw toRecordError(err);
    }
    const traceId = record.eventId || message.message_uuid;
    const events: EventEnvelope[] = [messageCreatedEvent(message, traceId)];
    const outcomes: Record<string, MemberOutcome> = {};
    for (const { owner, outcome, row } of results) {
      outcomes[owner] = outcome;
      if (outcome === 'past') continue;
      const parsed = parseInboxRow(row);
      // The row is updated; only its event is lost, and a later message's event will carry the whole state.
      if (!parsed)
        this.logger.warn(
          { owner, message_group_uuid: message.message_group_uuid },
          'inbox row does not match the event contract; no inbox.updated',
        );
      else events.push(inboxUpdatedEvent(parsed, traceId));
    }
    this.logger.debug(
      { message_uuid: message.message_uuid, outcomes, events: events.map((e) => e.id) },
      'message applied',
    );
    return { status: 'applied', message, events, outcomes };
  }
}
