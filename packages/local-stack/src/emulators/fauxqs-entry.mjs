// Runs fauxqs (SQS + SNS emulator) in its own process, bound to loopback only.
// Upstream's startFauxqs() hard-codes 0.0.0.0, so this wires its stores the same way and listens on
// 127.0.0.1 instead. Usage: node fauxqs-entry.mjs <port> [dataDir]

import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildApp } from 'fauxqs';

const [portArg, dataDir] = process.argv.slice(2);
const port = Number(portArg);

let stores;
if (dataDir) {
  // The persistence classes are not in the package's export map; load them from its dist folder.
  const dist = dirname(fileURLToPath(import.meta.resolve('fauxqs')));
  const load = (p) => import(pathToFileURL(join(dist, p)).href);
  const [{ SqsStore }, { SnsStore }, { S3Store }, { PersistenceManager }] = await Promise.all([
    load('sqs/sqsStore.js'),
    load('sns/snsStore.js'),
    load('s3/s3Store.js'),
    load('persistence.js'),
  ]);
  stores = { sqsStore: new SqsStore(), snsStore: new SnsStore(), s3Store: new S3Store() };
  const persistence = new PersistenceManager(dataDir);
  persistence.load(stores.sqsStore, stores.snsStore, stores.s3Store);
  stores.sqsStore.persistence = persistence;
  stores.snsStore.persistence = persistence;
  stores.s3Store.persistence = persistence;
  for (const queue of stores.sqsStore.allQueues()) queue.persistence = persistence;
  process.on('exit', () => persistence.close());
}

const app = buildApp({ logger: false, ...(stores ? { stores } : {}) });
await app.listen({ port, host: '127.0.0.1' });
const shutdown = () => app.close().then(() => process.exit(0));
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
