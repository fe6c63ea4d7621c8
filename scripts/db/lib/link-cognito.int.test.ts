import { AdminCreateUserCommand } from '@aws-sdk/client-cognito-identity-provider';
import { createTestDatabase, createTestUserPool, testStack } from '@cruddur/test-kit';
import { createPool, migrateUsersDatabase } from '@cruddur/users';
import pLimit from 'p-limit';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCognitoClient, listAllUsers, subOf } from './cognito.ts';
import { type PagingProxy, startCognitoPagingProxy } from './cognito-paging-proxy.ts';
import { updateCognitoUserIds } from './link-cognito.ts';

const stack = testStack();
const USERS = 65; // more than one ListUsers page (60)
let pool: pg.Pool;
let proxy: PagingProxy;
let userPoolId: string;
let dropDb: () => Promise<void>;
const cognito = () => createCognitoClient({ region: 'us-east-1', endpoint: proxy.endpoint });

beforeAll(async () => {
  const [db, userPool] = await Promise.all([
    createTestDatabase(stack, 'users_link'),
    createTestUserPool(stack),
  ]);
  dropDb = db.drop;
  userPoolId = userPool.userPoolId;
  await migrateUsersDatabase(db.url);
  pool = createPool(db.url, 4);
  proxy = await startCognitoPagingProxy(stack.cognitoEndpoint);

  const client = cognito();
  const limit = pLimit(4);
  await Promise.all(
    Array.from({ length: USERS }, (_, i) =>
      limit(() =>
        client.send(
          new AdminCreateUserCommand({
            UserPoolId: userPoolId,
            Username: `person${i}@example.com`,
            MessageAction: 'SUPPRESS',
            UserAttributes: [
              { Name: 'email', Value: `person${i}@example.com` },
              // Case differs from the local handle on purpose: handles match without regard to case.
              { Name: 'preferred_username', Value: `Person${i}` },
            ],
          }),
        ),
      ),
    ),
  );
  client.destroy();
  // Local users as a seed without Cognito leaves them: not linked yet. person64 has no local user.
  await pool.query(
    `INSERT INTO users (handle, display_name, email)
     SELECT 'person' || i, 'Person ' || i, 'person' || i || '@example.com' FROM generate_series(0, $1) AS i`,
    [USERS - 2],
  );
});
afterAll(async () => {
  await proxy?.close();
  await pool?.end();
  await dropDb?.();
});

describe('update-cognito-user-ids', () => {
  it('pages through every Cognito user and links each local user by preferred_username, once', async () => {
    const client = cognito();
    const first = await updateCognitoUserIds({ pool, cognito: client, userPoolId });
    expect(proxy.listUsersCalls.length).toBe(2);
    expect(first).toMatchObject({ seen: USERS, unchanged: 0, noHandle: 0, conflicts: [] });
    expect(first.linked).toHaveLength(USERS - 1);
    expect(first.noLocalUser).toEqual(['Person64']);

    const subs = new Map<string, string>();
    for await (const u of listAllUsers(client, userPoolId))
      subs.set(u.Attributes!.find((a) => a.Name === 'email')!.Value!, subOf(u)!);
    const { rows } = await pool.query<{ email: string; cognito_user_id: string }>(
      'SELECT email, cognito_user_id FROM users',
    );
    expect(rows).toHaveLength(USERS - 1);
    for (const row of rows) expect(row.cognito_user_id).toBe(subs.get(row.email));

    const again = await updateCognitoUserIds({ pool, cognito: client, userPoolId });
    expect(again).toMatchObject({ seen: USERS, linked: [], unchanged: USERS - 1 });
    client.destroy();
  });

  it('reports, and leaves alone, a sub that another local user already holds', async () => {
    // An account nobody in Cognito calls by name has taken person3's sub.
    await pool.query(
      `WITH moved AS (UPDATE users SET cognito_user_id = NULL WHERE handle = 'person3'
                      RETURNING (SELECT cognito_user_id FROM users WHERE handle = 'person3') AS sub)
       INSERT INTO users (handle, display_name, email, cognito_user_id)
       SELECT 'impostor', 'Impostor', 'impostor@example.com', sub FROM moved`,
    );
    const client = cognito();
    const report = await updateCognitoUserIds({ pool, cognito: client, userPoolId });
    client.destroy();
    expect(report.conflicts).toEqual(['Person3']);
    const after = await pool.query("SELECT cognito_user_id FROM users WHERE handle = 'person3'");
    expect(after.rows[0].cognito_user_id).toBeNull();
  });
});
