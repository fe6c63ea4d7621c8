import { DescribeTableCommand, DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { INBOX_BY_ACTIVITY_INDEX } from '@cruddur/ddb';
import { dynamoClient, testStack, uniqueName } from '@cruddur/test-kit';
import { afterAll, describe, expect, it } from 'vitest';
import { dropTable, listTables, loadSchema, TTL_ATTRIBUTE } from './tables.ts';

const client = dynamoClient(testStack());
const names = {
  messageTable: uniqueName('schema-msg'),
  leaseTable: uniqueName('schema-lease'),
  connectionTable: uniqueName('schema-conn'),
};
afterAll(async () => {
  await Promise.all([
    dropTable(client, names.messageTable),
    dropTable(client, names.leaseTable),
    dropTable(client, names.connectionTable),
  ]);
  client.destroy();
});

describe('schema load, list, drop', () => {
  it('creates the three tables once, then reports that they exist', async () => {
    const first = await loadSchema(client, names);
    expect(first.map((r) => [r.role, r.status])).toEqual([
      ['messages', 'created'],
      ['connections', 'created'],
      ['leases', 'created'],
    ]);
    const second = await loadSchema(client, names);
    expect(second.map((r) => [r.status, r.warnings])).toEqual([
      ['exists', []],
      ['exists', []],
      ['exists', []],
    ]);

    const { Table } = await client.send(new DescribeTableCommand({ TableName: names.messageTable }));
    expect(Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
    expect(Table?.LocalSecondaryIndexes?.map((i) => i.IndexName)).toEqual([INBOX_BY_ACTIVITY_INDEX]);
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: names.messageTable }));
    expect(ttl.TimeToLiveDescription?.AttributeName).toBe(TTL_ATTRIBUTE);
    const lease = await client.send(new DescribeTableCommand({ TableName: names.leaseTable }));
    expect(lease.Table?.KeySchema?.[0]?.AttributeName).toBe('lease_key');
    const connectionTtl = await client.send(
      new DescribeTimeToLiveCommand({ TableName: names.connectionTable }),
    );
    expect(connectionTtl.TimeToLiveDescription?.AttributeName).toBe('expires_at');
  });

  it('lists every table across pages and drops idempotently', async () => {
    const all = await listTables(client);
    expect(all).toEqual(expect.arrayContaining([names.messageTable, names.leaseTable]));
    const extra = uniqueName('schema-drop');
    await loadSchema(client, { ...names, messageTable: extra });
    expect(await dropTable(client, extra)).toBe(true);
    expect(await dropTable(client, extra)).toBe(false);
    expect(await listTables(client)).not.toContain(extra);
  });
});
