import { type SendOutcome, type SignedInUser, sendMessage } from '../bench/lib/traffic.ts';
import type { ExpectedMessage } from '../scripts/ddb/verify.ts';

export interface MessageLoadOptions {
  gatewayUrl: string;
  users: readonly SignedInUser[];
  /** Every message text starts with it, so the checker can count this run's messages. */
  prefix: string;
  concurrency: number;
  /** Hard bounds: the load stops by itself after this many messages or at this time (epoch ms). */
  maxMessages: number;
  deadline: number;
  /** How long one message may be retried (same Idempotency-Key) before the client gives up. */
  retryForMs: number;
  /** A group every one of `users` is in: every third message goes there, so its fan-out runs under the faults. */
  sharedGroup?: string;
}

/**
 * A bounded load of direct messages through the gateway, as clients that retry would send them: each
 * logical message has its own Idempotency-Key and a unique text, and is retried with that same key on
 * 5xx, 429 and connection errors. That retry is what makes "accepted exactly once" worth checking.
 * Half the sends name the recipient's handle (start or reuse the conversation), half the known group; with a
 * shared group, every third message goes to it instead.
 */
export class MessageLoad {
  sent = 0;
  readonly accepted: ExpectedMessage[] = [];
  /** When each accepted message was answered and after how many attempts, to place a loss among the faults. */
  readonly acceptedAt = new Map<string, { at: number; attempts: number; text: string }>();
  readonly failed: (SendOutcome & { ok: false; text: string })[] = [];
  retries = 0;
  private stopped = false;
  private running: Promise<void> | undefined;
  private readonly groups = new Map<string, string>();

  constructor(private readonly options: MessageLoadOptions) {}

  start(): void {
    this.running = Promise.all(Array.from({ length: this.options.concurrency }, () => this.worker())).then(
      () => undefined,
    );
  }

  /** Stops taking new messages and waits for the ones in flight (each bounded by retryForMs). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  private async worker(): Promise<void> {
    const { users, prefix, maxMessages, deadline } = this.options;
    while (!this.stopped && this.sent < maxMessages && Date.now() < deadline) {
      const i = this.sent++;
      const sender = users[i % users.length]!;
      // Walks every ordered pair of distinct users.
      const offset = 1 + (Math.floor(i / users.length) % (users.length - 1));
      const recipient = users[(i + offset) % users.length]!;
      const pairKey = [sender.handle, recipient.handle].sort().join('/');
      const known = this.groups.get(pairKey);
      const text = `${prefix}${i}`;
      const shared = this.options.sharedGroup;
      const body =
        shared && i % 3 === 0
          ? { message: text, message_group_uuid: shared }
          : known && i % 2 === 0
            ? { message: text, message_group_uuid: known }
            : { message: text, handle: recipient.handle };
      const outcome = await sendMessage(this.options.gatewayUrl, sender.token, body, {
        idempotencyKey: `${prefix}${i}`,
        deadline: Date.now() + this.options.retryForMs,
      });
      this.retries += outcome.attempts - 1;
      if (outcome.ok) {
        if (outcome.message.message_group_uuid !== shared)
          this.groups.set(pairKey, outcome.message.message_group_uuid);
        this.acceptedAt.set(outcome.message.uuid, { at: Date.now(), attempts: outcome.attempts, text });
        this.accepted.push({
          message_uuid: outcome.message.uuid,
          message_group_uuid: outcome.message.message_group_uuid,
          text,
        });
      } else {
        this.failed.push({ ...outcome, text });
      }
    }
  }
}
