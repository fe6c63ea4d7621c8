import { AdminCreateUserCommand, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { createTestDatabase, createTestUserPool, testStack } from '@cruddur/test-kit';
import { createPool, migrateUsersDatabase } from '@cruddur/users';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_PASSWORD, SEED_USERS } from '../../lib/seed-users.ts';
import { createCognitoClient } from './cognito.ts';
import { seedUsers } from './seed.ts';

const stack = testStack();
const cognito = createCognitoClient({ region: 'us-east-1', endpoint: stack.cognitoEndpoint });
let pool: pg.Pool;
let dropDb: () => Promise<void>;

beforeAll(async () => {
  const db = await createTestDatabase(stack, 'users_seed');
  dropDb = db.drop;
  await migrateUsersDatabase(db.url);
  pool = createPool(db.url, 2);
});
afterAll(async () => {
  await pool?.end();
  await dropDb?.();
  cognito.destroy();
});

const seed = (userPoolId: string) =>
  seedUsers({ pool, cognito, userPoolId, users: SEED_USERS, password: SEED_PASSWORD });

async function usersInDb() {
  const { rows } = await pool.query(
    'SELECT handle, display_name, email, cognito_user_id, version FROM users ORDER BY handle',
  );
  return rows;
}

describe('db seed', () => {
  it('creates each seed user in Cognito and PostgreSQL, linked by sub, able to sign in', async () => {
    const userPool = await createTestUserPool(stack);
    const seeded = await seed(userPool.userPoolId);
    expect(seeded.map((u) => [u.handle, u.changes])).toEqual(
      SEED_USERS.map((u) => [u.handle, ['created in Cognito', 'password set', 'registered']]),
    );

    const rows = await usersInDb();
    expect(rows.map((r) => r.handle).sort()).toEqual(['altbrown', 'andrewbrown', 'bayko', 'londo']);
    for (const user of seeded) {
      const row = rows.find((r) => r.handle === user.handle)!;
      const expected = SEED_USERS.find((u) => u.handle === user.handle)!;
      expect(row).toMatchObject({ ...expected, cognito_user_id: user.sub, version: 1 });

      // The emulator's generated username is the sub; it signs in with the README password.
      const auth = await cognito.send(
        new InitiateAuthCommand({
          ClientId: userPool.clientId,
          AuthFlow: 'USER_PASSWORD_AUTH',
          AuthParameters: { USERNAME: user.sub, PASSWORD: SEED_PASSWORD },
        }),
      );
      const token = auth.AuthenticationResult?.AccessToken ?? '';
      const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
      expect(claims.sub).toBe(user.sub);
    }
    const events = await pool.query(
      "SELECT count(*)::int AS n FROM outbox WHERE event_type = 'user.registered'",
    );
    expect(events.rows[0].n).toBe(4);

    // Twice: nothing changes, no new events.
    const again = await seed(userPool.userPoolId);
    expect(again.map((u) => u.changes)).toEqual([[], [], [], []]);
    expect(await usersInDb()).toEqual(rows);
    const outbox = await pool.query('SELECT count(*)::int AS n FROM outbox');
    expect(outbox.rows[0].n).toBe(4);
  });

  it('finishes a run that stopped after creating a Cognito user, before its password or registration', async () => {
    await pool.query('TRUNCATE users, outbox');
    const userPool = await createTestUserPool(stack);
    const [first] = SEED_USERS;
    await cognito.send(
      new AdminCreateUserCommand({
        UserPoolId: userPool.userPoolId,
        Username: first.email,
        MessageAction: 'SUPPRESS',
        UserAttributes: [
          { Name: 'email', Value: first.email },
          { Name: 'preferred_username', Value: first.handle },
        ],
      }),
    );
    const seeded = await seed(userPool.userPoolId);
    expect(seeded[0]?.changes).toEqual(['password set', 'registered']);
    expect(seeded.slice(1).map((u) => u.changes[0])).toEqual([
      'created in Cognito',
      'created in Cognito',
      'created in Cognito',
    ]);
    expect((await usersInDb()).map((r) => r.handle).sort()).toEqual([
      'altbrown',
      'andrewbrown',
      'bayko',
      'londo',
    ]);
  });

  it('relinks existing users to their new subs when the pool was recreated', async () => {
    const before = await usersInDb();
    const newPool = await createTestUserPool(stack);
    const seeded = await seed(newPool.userPoolId);
    for (const user of seeded) {
      expect(user.changes).toEqual(['created in Cognito', 'password set', 'linked to its Cognito sub']);
    }
    const after = await usersInDb();
    expect(after.map((r) => r.cognito_user_id)).toEqual(
      after.map((r) => seeded.find((u) => u.handle === r.handle)!.sub),
    );
    expect(after.map((r) => r.cognito_user_id)).not.toEqual(before.map((r) => r.cognito_user_id));
    expect(after.map((r) => r.version)).toEqual([1, 1, 1, 1]);
  });
});
