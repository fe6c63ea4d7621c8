import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  createTestQueue,
  createTestTable,
  createTestUserPool,
  dynamoClient,
  sqsClient,
  testStack,
} from './index.ts';

describe('test kit against the shared local stack', () => {
  const stack = testStack();

  it('makes a unique table, queue, database and user pool per call', async () => {
    const [t1, t2] = await Promise.all([createTestTable(stack), createTestTable(stack)]);
    expect(t1.name).not.toBe(t2.name);
    const tables = (await dynamoClient(stack).send(new ListTablesCommand({}))).TableNames;
    expect(tables).toEqual(expect.arrayContaining([t1.name, t2.name]));

    const queue = await createTestQueue(stack);
    const sqs = sqsClient(stack);
    await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'hi' }));
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.url, WaitTimeSeconds: 1 }));
    expect(got.Messages?.[0]?.Body).toBe('hi');

    const db = await createTestDatabase(stack);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    expect((await client.query('select current_database() as name')).rows[0].name).toBe(db.name);
    await client.end();

    const pool = await createTestUserPool(stack);
    expect(pool.issuer).toContain(pool.userPoolId);

    await Promise.all([t1.drop(), t2.drop(), queue.drop(), db.drop()]);
  });
});
