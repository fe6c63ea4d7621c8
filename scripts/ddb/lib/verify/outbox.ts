import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys, safeParseItem, userItemFields } from '@cruddur/ddb';
import pg from 'pg';
import { type Violation, Violations } from './violations.ts';

export interface OutboxVerification {
  events: number;
  pending: number;
  violations: Violation[];
}

interface OutboxRow {
  id: string;
  aggregate_id: string;
  event_type: string;
  published_at: Date | null;
  version: number | null;
}

/**
 * No outbox event was lost: every row of the users service's outbox is marked sent, and its effect reached
 * the messaging service's profile replica (`USER#<uuid>` at that event's version or later).
 */
export async function verifyOutbox(
  databaseUrl: string,
  doc: DynamoDBDocumentClient,
  table: string,
): Promise<OutboxVerification> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<OutboxRow>(
      `SELECT id, aggregate_id, event_type, published_at, (envelope->'payload'->>'version')::int AS version
         FROM outbox ORDER BY seq`,
    );
    const violations = new Violations();
    const newest = new Map<string, number>();
    for (const row of rows) {
      if (!row.published_at)
        violations.add('outbox_unpublished', `${row.event_type} ${row.id} is not marked sent`);
      if (row.version !== null)
        newest.set(row.aggregate_id, Math.max(newest.get(row.aggregate_id) ?? 0, row.version));
    }
    const replicaVersions = await readReplicaVersions(doc, table, [...newest.keys()], violations);
    for (const [uuid, version] of newest) {
      const replica = replicaVersions.get(uuid);
      if (replica === undefined)
        violations.add(
          'replica_missing',
          `user ${uuid} (v${version}) never reached the replica`,
          keys.user(uuid),
        );
      else if (replica < version)
        violations.add(
          'replica_behind',
          `user ${uuid} is v${replica} in the replica, v${version} in the outbox`,
          keys.user(uuid),
        );
    }
    return {
      events: rows.length,
      pending: rows.filter((r) => !r.published_at).length,
      violations: violations.list,
    };
  } finally {
    await client.end();
  }
}

// What the check reads of a replica item, parsed with (a pick of) the profile item schema.
const replicaFacts = userItemFields.pick({ uuid: true, version: true });

/** The replica's version of each user, read in batches of 100 (BatchGetItem's limit), unprocessed keys again. */
async function readReplicaVersions(
  doc: DynamoDBDocumentClient,
  table: string,
  uuids: readonly string[],
  violations: Violations,
): Promise<Map<string, number>> {
  const versions = new Map<string, number>();
  for (let i = 0; i < uuids.length; i += 100) {
    let request: Record<string, { Keys: Record<string, unknown>[]; ConsistentRead: boolean }> | undefined = {
      [table]: {
        Keys: uuids.slice(i, i + 100).map((u): Record<string, unknown> => ({ ...keys.user(u) })),
        ConsistentRead: true,
      },
    };
    while (request && Object.keys(request).length > 0) {
      const out = await doc.send(new BatchGetCommand({ RequestItems: request }));
      for (const item of out.Responses?.[table] ?? []) {
        const parsed = safeParseItem(replicaFacts, item);
        if (parsed.ok) versions.set(parsed.item.uuid, parsed.item.version);
        else violations.add('item_malformed', `user item: ${parsed.error.detail}`, item);
      }
      request = out.UnprocessedKeys as typeof request;
    }
  }
  return versions;
}
