import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { isRetryable } from '../bench/lib/traffic.ts';

/**
 * Calls the users service's internal API, retrying on 5xx and connection errors (the service or its
 * database may be down for a few seconds), until `deadline`.
 */
async function call(
  url: string,
  init: { method: string; body?: unknown; authorize: () => Promise<{ authorization: string }> },
  deadline: number,
): Promise<{ status: number; body: unknown }> {
  for (;;) {
    let status: number | 'network';
    try {
      const response = await fetch(url, {
        method: init.method,
        headers: { 'content-type': 'application/json', ...(await init.authorize()) },
        ...(init.body ? { body: JSON.stringify(init.body) } : {}),
        signal: AbortSignal.timeout(5_000),
      });
      status = response.status;
      const body = (await response.json().catch(() => null)) as unknown;
      if (!isRetryable(status)) return { status, body };
    } catch {
      status = 'network';
    }
    if (Date.now() > deadline) throw new Error(`${init.method} ${url}: still ${status} at the deadline`);
    await delay(250);
  }
}

/**
 * Registers one user through the users service, retrying through outages. A 409 after a retry means the first
 * attempt committed; the user is then looked up by handle. Returns their uuid.
 */
async function register(
  usersUrl: string,
  user: { handle: string; displayName: string },
  deadline: number,
  authorize: () => Promise<{ authorization: string }>,
): Promise<string> {
  const { handle } = user;
  const created = await call(
    `${usersUrl}/internal/users`,
    {
      method: 'POST',
      authorize,
      body: {
        handle,
        display_name: user.displayName,
        email: `${handle}@example.com`,
        cognito_user_id: randomUUID(),
      },
    },
    deadline,
  );
  let uuid = (created.body as { uuid?: string } | null)?.uuid;
  if (created.status === 409) {
    const found = await call(
      `${usersUrl}/internal/users/by-handle/${handle}`,
      { method: 'GET', authorize },
      deadline,
    );
    uuid = (found.body as { uuid?: string } | null)?.uuid;
  }
  if (!uuid)
    throw new Error(`registering ${handle} answered ${created.status} ${JSON.stringify(created.body)}`);
  return uuid;
}

/**
 * Registers one user and renames it, through the users service, so each writes an outbox event that
 * must reach the messaging service's profile replica.
 */
export async function registerAndRename(
  usersUrl: string,
  n: number,
  deadline: number,
  /** A fresh operator's credential per attempt, since retries may outlast one. */
  authorize: () => Promise<{ authorization: string }>,
): Promise<string> {
  const handle = `fault_${n}_${randomUUID().slice(0, 8)}`;
  const uuid = await register(usersUrl, { handle, displayName: `Fault ${n}` }, deadline, authorize);
  const renamed = await call(
    `${usersUrl}/internal/users/${uuid}`,
    { method: 'PATCH', authorize, body: { display_name: `Fault ${n} renamed` } },
    deadline,
  );
  if (renamed.status !== 200) throw new Error(`renaming ${handle} answered ${renamed.status}`);
  return uuid;
}

/** Registers `n` users through the users service (as an operator would), retrying through outages; their handles. */
export async function registerUsers(
  usersUrl: string,
  n: number,
  deadline: number,
  authorize: () => Promise<{ authorization: string }>,
): Promise<string[]> {
  const handles: string[] = [];
  for (let i = 0; i < n; i++) {
    const handle = `member_${i}_${randomUUID().slice(0, 8)}`;
    await register(usersUrl, { handle, displayName: `Member ${i}` }, deadline, authorize);
    handles.push(handle);
  }
  return handles;
}
