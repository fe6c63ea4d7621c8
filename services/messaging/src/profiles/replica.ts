import type { SQSClient } from '@aws-sdk/client-sqs';
import { EventConsumer, PoisonEventError } from '@cruddur/aws';
import { type EventEnvelope, isEventOfType } from '@cruddur/contracts';
import type { Component } from '@cruddur/http';
import type { Logger } from '@cruddur/logger';
import type { MessageStore } from '../data/store.ts';
import type { ProfileSource } from './source.ts';

type ProfileEventOutcome = 'applied' | 'stale' | 'ignored' | 'erased';

/** What a `user.deleted` event sets going (the account's messages, rows and groups). */
interface AccountEraser {
  erase(userUuid: string): Promise<unknown>;
}

/**
 * Applies one users-events event to the USER# replica. The event says which user changed; the state
 * stored is re-read from the users service, so only the users service can change a profile, whoever
 * managed to put a message on the queue. An event for a user the users service does not have, or
 * claiming a version it has not reached, is poisoned. Idempotent and order-proof: the conditional put only
 * ever moves a profile to a higher version, so duplicates and late arrivals are no-ops.
 */
export async function applyProfileEvent(
  store: MessageStore,
  source: ProfileSource,
  event: EventEnvelope,
  accounts?: AccountEraser,
): Promise<ProfileEventOutcome> {
  if (isEventOfType(event, 'user.deleted') && accounts) {
    const { uuid } = event.payload;
    // Only a deletion the users service has made is acted on: a forged event for a live user is poisoned.
    if (await source.snapshot(uuid))
      throw new PoisonEventError(`user ${uuid} still exists in the users service`);
    await accounts.erase(uuid);
    return 'erased';
  }
  if (isEventOfType(event, 'user.registered') || isEventOfType(event, 'user.profile_updated')) {
    const claimed = event.payload;
    const current = await source.snapshot(claimed.uuid);
    if (!current) throw new PoisonEventError(`user ${claimed.uuid} is unknown to the users service`);
    if (claimed.version > current.version) {
      throw new PoisonEventError(
        `event claims version ${claimed.version} of user ${claimed.uuid}; the users service has ${current.version}`,
      );
    }
    return (await store.putProfile(current)) ? 'applied' : 'stale';
  }
  // Other types on this queue are not ours to act on; deleting them keeps the queue moving.
  return 'ignored';
}

export interface ProfileReplicaOptions {
  store: MessageStore;
  source: ProfileSource;
  sqs: SQSClient;
  queueUrl: string;
  /** Poisoned events go here at once, with their reason. */
  deadLetterQueueUrl?: string | undefined;
  logger: Logger;
  waitTimeSeconds?: number;
  /** Erases deleted accounts; without it `user.deleted` is ignored. */
  accounts?: AccountEraser;
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
      deadLetterQueueUrl: options.deadLetterQueueUrl,
      logger: options.logger,
      ...(options.waitTimeSeconds !== undefined ? { waitTimeSeconds: options.waitTimeSeconds } : {}),
      handle: async (event) => {
        const outcome = await applyProfileEvent(options.store, options.source, event, options.accounts);
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
