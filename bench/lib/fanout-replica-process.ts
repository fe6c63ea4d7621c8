import { createSnsClient, createSqsClient } from '@cruddur/aws';
import { createDocumentClient } from '@cruddur/ddb';
import { ConnectionTracker, type EventSink, ReplicaEventFeed, SseHub } from '@cruddur/gateway';
import { silentLogger } from '@cruddur/logger';
import { ConnectionRegistry, ReplicaDirectory } from '@cruddur/realtime';

/**
 * One simulated gateway replica of the realtime-fanout benchmark, as its own process: the gateway's own queue
 * feed, hub and connection tracker, with an in-memory stream per user instead of an HTTP one (the benchmark
 * measures routing, not socket writes). Told its users and mode by the parent over IPC; reports counts, CPU
 * and latencies when asked.
 */
interface Setup {
  mode: 'targeted' | 'broadcast';
  replicaId: string;
  users: string[];
  ddbEndpoint: string;
  sqsEndpoint: string;
  topicArn: string;
  connectionTable: string;
}

const send = (message: unknown) => process.send?.(message);

process.once('message', async (setup: Setup) => {
  const region = 'us-east-1';
  const sqs = createSqsClient({ region, endpoint: setup.sqsEndpoint });
  const sns = createSnsClient({ region, endpoint: setup.sqsEndpoint });
  const ddb = createDocumentClient({ region, endpoint: setup.ddbEndpoint });
  const hub = new SseHub({ maxStreamsPerUser: 4 });
  let received = 0;
  let delivered = 0;
  const latencies: number[] = [];
  let cpuStart = process.cpuUsage();
  const feed = new ReplicaEventFeed({
    sqs,
    sns,
    topicArn: setup.topicArn,
    replicaId: setup.replicaId,
    logger: silentLogger,
    subscribe: setup.mode === 'broadcast',
    waitTimeSeconds: 1,
    onEvent: (event) => {
      received++;
      const n = hub.publish(event);
      if (n > 0) {
        delivered += n;
        latencies.push(Date.now() - Date.parse(event.occurred_at));
      }
    },
  });
  await feed.start();
  const registry = new ConnectionRegistry({ ddb, table: setup.connectionTable });
  const tracker = new ConnectionTracker({
    registry,
    directory: new ReplicaDirectory({ registry, cacheMs: 2_000 }),
    replicaId: setup.replicaId,
    heartbeatMs: 5_000,
    ttlMs: 15_000,
    logger: silentLogger,
  });
  await tracker.start(feed.url);
  const sink: EventSink = { send: () => undefined, close: () => undefined };
  for (const user of setup.users) {
    hub.register(user, sink);
    // Broadcast needs no registry; registering anyway keeps both runs' setup the same.
    await tracker.connected(user);
  }
  process.on('message', async (command: string) => {
    if (command === 'reset') {
      received = 0;
      delivered = 0;
      latencies.length = 0;
      cpuStart = process.cpuUsage();
      send({ type: 'reset' });
    } else if (command === 'report') {
      const cpu = process.cpuUsage(cpuStart);
      send({ type: 'report', received, delivered, cpuMicros: cpu.user + cpu.system, latencies });
    } else if (command === 'stop') {
      await tracker.stop().catch(() => undefined);
      await feed.stop();
      send({ type: 'stopped' });
      process.exit(0);
    }
  });
  send({ type: 'ready' });
});
