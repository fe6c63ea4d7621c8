import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient, messageTableDefinition } from '@cruddur/ddb';
import { startLocalStack } from '@cruddur/local-stack';

/**
 * Evidence for the fault-injection suite's one allowance: DynamoDB Local in disk mode can lose a
 * transaction it acknowledged when it is killed with -9. No service is involved: 4 writers loop
 * TransactWriteItems (two conditional puts, like a message and its idempotency record), DynamoDB Local
 * is killed and restarted `rounds` times, then every acknowledged transaction is read back.
 * Run: `pnpm exec tsx bench/lib/probe-ddb-local-durability.ts [rounds]`. Seen: 1 of 78 and 1 of 495 lost.
 */
const rounds = Number(process.argv[2] ?? 5);
process.env.AWS_ACCESS_KEY_ID ??= 'local';
process.env.AWS_SECRET_ACCESS_KEY ??= 'local';

const dir = mkdtempSync(join(tmpdir(), 'ddb-durability-'));
chmodSync(dir, 0o755);
const stack = await startLocalStack({ dataDir: dir, only: ['dynamodb'] });
const endpoint = stack.endpoints.dynamodbEndpoint;
const table = 'durability-probe';
const raw = new DynamoDBClient({ region: 'us-east-1', endpoint });
await raw.send(new CreateTableCommand(messageTableDefinition(table)));
// One attempt per write: an acknowledgement is exactly one answered request.
const doc = createDocumentClient({ region: 'us-east-1', endpoint, maxAttempts: 1 });

const acked: { key: string; at: number }[] = [];
let stop = false;
const writers = Array.from({ length: 4 }, async (_, w) => {
  for (let i = 0; !stop; i++) {
    const key = `w${w}-${i}`;
    try {
      await doc.send(
        new TransactWriteCommand({
          TransactItems: ['a', 'b'].map((sk) => ({
            Put: { TableName: table, Item: { pk: key, sk }, ConditionExpression: 'attribute_not_exists(pk)' },
          })),
        }),
      );
      acked.push({ key, at: Date.now() });
    } catch {
      await delay(50);
    }
  }
});
const kills: number[] = [];
for (let round = 0; round < rounds; round++) {
  await delay(4_000);
  kills.push(Date.now());
  await stack.crashAndRestart('dynamodb');
}
await delay(1_000);
stop = true;
await Promise.all(writers);

let lost = 0;
let half = 0;
for (const { key, at } of acked) {
  const [a, b] = await Promise.all(
    ['a', 'b'].map((sk) =>
      doc.send(new GetCommand({ TableName: table, Key: { pk: key, sk }, ConsistentRead: true })),
    ),
  );
  if (!a?.Item && !b?.Item) {
    lost++;
    const next = kills.find((k) => k >= at);
    console.log(
      `lost ${key}: acknowledged ${next ? `${next - at} ms before a kill` : 'after the last kill'}`,
    );
  } else if (!a?.Item || !b?.Item) half++;
}
console.log(
  `${acked.length} acknowledged transactions, ${rounds} kills: ${lost} lost whole, ${half} half-applied`,
);
doc.destroy();
raw.destroy();
await stack.stop();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
