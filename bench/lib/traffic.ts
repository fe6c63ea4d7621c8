import { setTimeout as delay } from 'node:timers/promises';
import { SEED_PASSWORD, SEED_USERS } from '../../scripts/lib/seed-users.ts';

/**
 * A client of the public API as a real user would drive it: signed in through Cognito with
 * USER_PASSWORD_AUTH, sending with an Idempotency-Key and retrying the same key on 5xx, 429 and
 * connection errors. Used by the soak benchmark and the fault-injection suite. Plain `fetch`, no SDK,
 * so any folder can import it.
 */

export interface SignedInUser {
  handle: string;
  email: string;
  token: string;
}

/** Signs in through the Cognito (emulator) JSON API and returns the access token. */
async function signIn(
  cognitoEndpoint: string,
  clientId: string,
  username: string,
  password: string,
): Promise<string> {
  const response = await fetch(cognitoEndpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth',
    },
    body: JSON.stringify({
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: clientId,
      AuthParameters: { USERNAME: username, PASSWORD: password },
    }),
  });
  const body = (await response.json()) as { AuthenticationResult?: { AccessToken?: string } };
  const token = body.AuthenticationResult?.AccessToken;
  if (!response.ok || !token)
    throw new Error(`sign-in of ${username} failed: ${response.status} ${JSON.stringify(body)}`);
  return token;
}

/** Signs in every seeded user (they exist after `db/seed`). */
export async function signInSeedUsers(env: Record<string, string>): Promise<SignedInUser[]> {
  const endpoint = env.COGNITO_ENDPOINT;
  const clientId = env.COGNITO_CLIENT_ID;
  if (!endpoint || !clientId) throw new Error('COGNITO_ENDPOINT and COGNITO_CLIENT_ID are needed to sign in');
  return Promise.all(
    SEED_USERS.map(async (u) => ({
      handle: u.handle,
      email: u.email,
      token: await signIn(endpoint, clientId, u.email, SEED_PASSWORD),
    })),
  );
}

interface SentMessage {
  uuid: string;
  message_group_uuid: string;
}

export type SendOutcome =
  | { ok: true; message: SentMessage; attempts: number }
  | { ok: false; status: number | 'network'; detail: string; attempts: number };

/** Whether a retry with the same key may succeed: the server or the path to it failed, not the request. */
export const isRetryable = (status: number | 'network') =>
  status === 'network' || status === 429 || status >= 500;

/**
 * POST /api/messages with an Idempotency-Key. Retries the same key while the failure is retryable and
 * `deadline` (epoch ms) has not passed, backing off from 100 ms to 1 s.
 */
export async function sendMessage(
  gatewayUrl: string,
  token: string,
  body: { message: string; handle?: string; message_group_uuid?: string },
  { idempotencyKey, deadline }: { idempotencyKey: string; deadline: number },
): Promise<SendOutcome> {
  let attempts = 0;
  let backoff = 100;
  for (;;) {
    attempts++;
    let status: number | 'network';
    let detail: string;
    try {
      const response = await fetch(`${gatewayUrl}/api/messages`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'idempotency-key': idempotencyKey,
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      const text = await response.text();
      if (response.ok) {
        const message = JSON.parse(text) as SentMessage;
        return {
          ok: true,
          message: { uuid: message.uuid, message_group_uuid: message.message_group_uuid },
          attempts,
        };
      }
      status = response.status;
      detail = text.slice(0, 200);
    } catch (err) {
      status = 'network';
      detail = err instanceof Error ? err.message : String(err);
    }
    // 409 conflict is a lost race the service could not settle in time (a group changing under the send): retryable.
    const conflict = status === 409 && detail.includes('"conflict"');
    if ((!isRetryable(status) && !conflict) || Date.now() + backoff > deadline)
      return { ok: false, status, detail, attempts };
    await delay(backoff);
    backoff = Math.min(1_000, backoff * 2);
  }
}

/** A GET of the public API that counts as an error on anything but 2xx. */
export async function getJson(gatewayUrl: string, token: string, path: string): Promise<unknown> {
  const response = await fetch(`${gatewayUrl}${path}`, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok)
    throw new Error(`GET ${path}: ${response.status} ${(await response.text()).slice(0, 200)}`);
  return response.json();
}

/**
 * A process's resident memory in bytes (Linux /proc): all of it, and its two parts. `anon` is what the process
 * allocated (V8's heap, buffers, malloc); `file` is mapped files, mostly the node binary's own pages, which grow as
 * new code paths first run and are shared with every other Node process on the host.
 */
export interface ResidentMemory {
  rss: number;
  anon: number;
  file: number;
}

/** Parses /proc/<pid>/status; undefined without a VmRSS line. */
export function parseResidentMemory(status: string): ResidentMemory | undefined {
  const kb = (field: string) => {
    const value = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status)?.[1];
    return value === undefined ? undefined : Number(value) * 1024;
  };
  const rss = kb('VmRSS');
  if (rss === undefined) return undefined;
  return { rss, anon: kb('RssAnon') ?? rss, file: kb('RssFile') ?? 0 };
}

/** Resident memory of a process, or undefined when it is gone. */
export async function residentMemory(pid: number): Promise<ResidentMemory | undefined> {
  const { readFile } = await import('node:fs/promises');
  try {
    return parseResidentMemory(await readFile(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return undefined;
  }
}
