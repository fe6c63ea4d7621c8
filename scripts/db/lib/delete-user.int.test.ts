import { AdminCreateUserCommand, AdminGetUserCommand } from '@aws-sdk/client-cognito-identity-provider';
import { createTestDatabase, createTestUserPool, testStack } from '@cruddur/test-kit';
import { createPool, findUserByHandle, migrateUsersDatabase, registerUser } from '@cruddur/users';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCognitoClient, listAllUsers, subOf } from './cognito.ts';
import { deleteUserByHandle } from './delete-user.ts';

const stack = testStack();
let pool: pg.Pool;
let userPoolId: string;
let dropDb: () => Promise<void>;
const cognito = createCognitoClient({ region: 'us-east-1', endpoint: stack.cognitoEndpoint });

beforeAll(async () => {
  const [db, userPool] = await Promise.all([
    createTestDatabase(stack, 'users_delete'),
    createTestUserPool(stack),
  ]);
  dropDb = db.drop;
  userPoolId = userPool.userPoolId;
  await migrateUsersDatabase(db.url);
  pool = createPool(db.url, 2);
});
afterAll(async () => {
  cognito.destroy();
  await pool?.end();
  await dropDb?.();
});

describe('scripts/db/delete-user', () => {
  it('deletes the row with its user.deleted event in the outbox, and disables the Cognito user', async () => {
    await cognito.send(
      new AdminCreateUserCommand({
        UserPoolId: userPoolId,
        Username: 'gone@example.com',
        MessageAction: 'SUPPRESS',
        UserAttributes: [{ Name: 'email', Value: 'gone@example.com' }],
      }),
    );
    let sub: string | undefined;
    for await (const u of listAllUsers(cognito, userPoolId)) sub = subOf(u);
    const registered = await registerUser(pool, {
      handle: 'gone',
      display_name: 'Gone Soon',
      email: 'gone@example.com',
      cognito_user_id: sub!,
    });
    expect(registered.ok).toBe(true);

    const report = await deleteUserByHandle({
      pool,
      handle: 'gone',
      cognito: { client: cognito, userPoolId },
    });
    expect(report).toMatchObject({ handle: 'gone', cognitoDisabled: true });
    expect(await findUserByHandle(pool, 'gone')).toBeUndefined();
    // Neither the email nor the name is left anywhere in the users table.
    expect(
      (await pool.query(`SELECT count(*)::int AS n FROM users WHERE email = 'gone@example.com'`)).rows[0].n,
    ).toBe(0);
    const { rows } = await pool.query(`SELECT envelope FROM outbox WHERE event_type = 'user.deleted'`);
    expect(rows).toHaveLength(1);
    expect(rows[0].envelope.payload).toEqual({ uuid: report!.uuid, cognito_user_id: sub });
    const cognitoUser = await cognito.send(
      new AdminGetUserCommand({ UserPoolId: userPoolId, Username: 'gone@example.com' }),
    );
    expect(cognitoUser.Enabled).toBe(false);

    // Again: nobody has the handle any more, and no second event is written.
    expect(await deleteUserByHandle({ pool, handle: 'gone' })).toBeUndefined();
    expect((await pool.query(`SELECT id FROM outbox WHERE event_type = 'user.deleted'`)).rows).toHaveLength(
      1,
    );
  });
});
