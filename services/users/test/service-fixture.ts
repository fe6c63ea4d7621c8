import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { loadConfig } from '@cruddur/config';
import { type EventEnvelope, parseEventJson } from '@cruddur/contracts';
import { createTestServiceKeys, type testStack } from '@cruddur/test-kit';
import { type UsersConfig, usersConfigSchema } from '../src/config.ts';

/** The callers' keys for this test file; the service trusts their public halves. */
export const testKeys = await createTestServiceKeys();

/**
 * The credential a legitimate caller would send: the gateway's service credential for identity look-ups
 * (the only caller allowed there), an operator's for everything else.
 */
export async function credentialFor(path: string): Promise<{ authorization: string }> {
  return path.startsWith('/internal/users/by-cognito/')
    ? testKeys.asService('users', 'gateway')
    : testKeys.asService('users', 'ops');
}

/** Service config for a test: its own database and queue on the shared stack, a free port. */
export function testConfig(
  stack: ReturnType<typeof testStack>,
  { databaseUrl, queueUrl }: { databaseUrl: string; queueUrl: string },
  extra: Record<string, string> = {},
): UsersConfig {
  return loadConfig(usersConfigSchema, {
    PORT: '0',
    LOG_LEVEL: 'silent',
    AWS_REGION: 'us-east-1',
    SQS_ENDPOINT: stack.sqsEndpoint,
    DATABASE_URL: databaseUrl,
    USERS_EVENTS_QUEUE_URL: queueUrl,
    OUTBOX_POLL_INTERVAL_MS: '50',
    SERVICE_AUTH_PUBLIC_KEYS: testKeys.publicKeysJson,
    ...extra,
  });
}

/**
 * Receives (and deletes nothing of) every message on the queue until a receive comes back empty. Messages
 * stay invisible for the queue's visibility timeout, so each is returned once. Bodies that are not valid
 * events fail the test, since the relay must only ever send catalog events.
 */
export async function receiveAllEvents(sqs: SQSClient, queueUrl: string): Promise<EventEnvelope[]> {
  const events: EventEnvelope[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    if (Messages.length === 0) return events;
    for (const message of Messages) {
      const parsed = parseEventJson(message.Body);
      if (!parsed.ok) throw new Error(`not an event on the queue: ${parsed.reason}`);
      events.push(parsed.event);
    }
  }
}
