import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { EventPublisher } from '@cruddur/aws';
import {
  type EventEnvelope,
  encodeBundle,
  eventRecipients,
  isForEveryReplica,
  sqsSafeJson,
} from '@cruddur/contracts';
import type { ConnectionRegistry } from './registry.ts';
import type { ReplicaDirectory } from './replica-directory.ts';

/** Below SQS's 256 KiB message limit with room for attributes. */
const MAX_BUNDLE_BYTES = 200 * 1024;

/** What one publish did, for metrics and the benchmark. */
export interface TargetedSend {
  events: number;
  replicas: number;
  messages: number;
}

function chunkBundles(events: EventEnvelope[]): string[] {
  const bodies: string[] = [];
  let current: EventEnvelope[] = [];
  let size = 0;
  for (const event of events) {
    const bytes = Buffer.byteLength(sqsSafeJson(event));
    if (current.length > 0 && size + bytes > MAX_BUNDLE_BYTES) {
      bodies.push(encodeBundle(current));
      current = [];
      size = 0;
    }
    current.push(event);
    size += bytes + 1;
  }
  if (current.length > 0) bodies.push(encodeBundle(current));
  return bodies;
}

const isQueueGone = (err: unknown) =>
  err instanceof Error &&
  (err.name === 'QueueDoesNotExist' ||
    err.name === 'AWS.SimpleQueueService.NonExistentQueue' ||
    /does not exist|NonExistentQueue/.test(err.message));

/**
 * Targeted delivery: looks up where each event's recipients are connected and sends one SQS message (a bundle of
 * the events for its users) to each replica that holds one of them. Requests per publish: one BatchGetItem per
 * 100 recipients, the replica look-up only on a cache miss, and one SendMessage per target replica.
 * A recipient connected nowhere costs nothing more: their change is in the inbox and the change log.
 * Throws on a failed send so the caller retries the whole publish; replicas drop the copies by event id.
 */
export class TargetedPublisher implements EventPublisher {
  constructor(
    private readonly options: {
      sqs: SQSClient;
      registry: ConnectionRegistry;
      directory: ReplicaDirectory;
      onSend?: (send: TargetedSend) => void;
    },
  ) {}

  async publish(events: readonly EventEnvelope[]): Promise<void> {
    const routed = events.map((event) => ({
      event,
      to: eventRecipients(event),
      everywhere: isForEveryReplica(event),
    }));
    const users = [...new Set(routed.flatMap((r) => r.to))];
    const anyEverywhere = routed.some((r) => r.everywhere);
    if (users.length === 0 && !anyEverywhere) return;
    const connections = users.length > 0 ? await this.options.registry.users(users) : new Map();
    const replicasOf = new Map<string, string[]>();
    for (const [user, c] of connections) if (c.replicaIds.length > 0) replicasOf.set(user, c.replicaIds);
    const everyReplica = anyEverywhere ? await this.indexedLiveReplicas() : [];
    const queues = await this.options.directory.live([
      ...new Set([...[...replicasOf.values()].flat(), ...everyReplica]),
    ]);
    const perReplica = new Map<string, EventEnvelope[]>();
    for (const { event, to, everywhere } of routed) {
      const targets = new Set(everywhere ? everyReplica : to.flatMap((user) => replicasOf.get(user) ?? []));
      for (const replica of targets) {
        if (!queues.has(replica)) continue;
        const list = perReplica.get(replica) ?? [];
        list.push(event);
        perReplica.set(replica, list);
      }
    }
    let messages = 0;
    await Promise.all(
      [...perReplica].map(async ([replica, list]) => {
        for (const body of chunkBundles(list)) {
          messages++;
          try {
            await this.options.sqs.send(
              new SendMessageCommand({ QueueUrl: queues.get(replica)!, MessageBody: body }),
            );
          } catch (err) {
            // The replica stopped between its last heartbeat and now: nobody reads that queue any more.
            if (isQueueGone(err)) {
              this.options.directory.forget(replica);
              return;
            }
            throw err;
          }
        }
      }),
    );
    this.options.onSend?.({ events: events.length, replicas: perReplica.size, messages });
  }

  /**
   * The index's replicas that are live. Stopped ones are left in it: the surviving gateways' reaper drops them,
   * after telling the contacts of a dead replica's users that they went offline.
   */
  private async indexedLiveReplicas(): Promise<string[]> {
    const indexed = await this.options.registry.indexedReplicaIds();
    return [...(await this.options.directory.live(indexed)).keys()];
  }
}
