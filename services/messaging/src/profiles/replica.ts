import type { SQSClient } from '@aws-sdk/client-sqs';
import { EventConsumer } from '@cruddur/aws';
import { type EventEnvelope, isEventOfType } from '@cruddur/contracts';
import type { Component } from '@cruddur/http';
import type { Logger } from '@cruddur/logger';
import type { MessageStore } from '../data/store.ts';

export type ProfileEventOutcome = 'applied' | 'stale' | 'ignored';

/**
 * Applies one users-events event to the USER# replica. Idempotent and order-proof: the conditional put
 * only ever moves a profile to a higher version, so duplicates and late arrivals are no-ops.
 */
export async function applyProfileEvent(
  store: MessageStore,
  event: EventEnvelope,
): Promise<ProfileEventOutcome> {
  if (isEventOfType(event, 'user.registered') || isEventOfType(event, 'user.profile_updated')) {
    return (await store.putProfile(event.payload)) ? 'applied' : 'stale';
  }
  // Other types on this queue are not ours to act on; deleting them keeps the queue moving.
  return 'ignored';
}

export interface ProfileReplicaOptions {
  store: MessageStore;
  sqs: SQSClient;
  queueUrl: string;
  logger: Logger;
  waitTimeSeconds?: number;
}

/** Keeps the USER# replica fed from the users-events queue. A DynamoDB failure throws, so SQS retries. */
export class ProfileReplica implements Component {
  private readonly consumer: EventConsumer;

  constructor(options: ProfileReplicaOptions) {
    const logger = options.logger.child({ component: 'profile-replica' });
    this.consumer = new EventConsumer({
      name: 'users-events',
      sqs: options.sqs,
      queueUrl: options.queueUrl,
      logger: options.logger,
      ...(options.waitTimeSeconds !== undefined ? { waitTimeSeconds: options.waitTimeSeconds } : {}),
      handle: async (event) => {
        const outcome = await applyProfileEvent(options.store, event);
        logger.debug({ event_id: event.id, type: event.type, outcome }, 'profile event');
      },
    });
  }

  start(): Promise<void> {
    return this.consumer.start();
  }

  stop(): Promise<void> {
    return this.consumer.stop();
  }
}
