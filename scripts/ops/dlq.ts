import { createInterface } from 'node:readline/promises';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { createSqsClient } from '@cruddur/aws';
import { baseSchema, z } from '@cruddur/config';
import { Command, InvalidArgumentError } from 'commander';
import { fail, loadScriptConfig } from '../lib/script-env.ts';
import { textTable } from '../lib/table.ts';
import {
  DEAD_LETTER_QUEUES,
  type DeadLetter,
  locateQueue,
  PEEK_VISIBILITY_SECONDS,
  parseQueueUrlFlags,
  peekDeadLetters,
  type QueueDepth,
  queueDepth,
  type ResolvedQueue,
  redriveDeadLetters,
  resolveQueues,
} from './lib/dead-letters.ts';

const url = z.url().optional();
const schema = baseSchema.extend({
  USERS_EVENTS_QUEUE_URL: url,
  USERS_EVENTS_DLQ_URL: url,
  MESSAGE_EVENTS_QUEUE_URL: url,
  MESSAGE_EVENTS_DLQ_URL: url,
  STREAM_DLQ_URL: url,
});

const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
};
const collect = (value: string, previous: string[] = []) => [...previous, value];
const names = DEAD_LETTER_QUEUES.map((q) => q.name).join(', ');

const program = new Command('ops/dlq')
  .description(
    `List, show and redrive the dead letters of the system's dead-letter queues (${names}). Queue URLs come from .data/local.env locally; with --prod from the environment (USERS_EVENTS_DLQ_URL, USERS_EVENTS_QUEUE_URL, MESSAGE_EVENTS_DLQ_URL, MESSAGE_EVENTS_QUEUE_URL, STREAM_DLQ_URL) or --queue-url, else by name.`,
  )
  .option('--prod', 'target AWS (default credentials and region) instead of the local emulator')
  .option(
    '--queue-url <queue=url>',
    'the URL of one queue, e.g. users-events-dlq=https://sqs...; repeatable; beats the environment',
    collect,
  );

interface Context {
  sqs: SQSClient;
  queues: ResolvedQueue[];
  target: string;
}

function context(): Context {
  const opts = program.opts<{ prod?: boolean; queueUrl?: string[] }>();
  const prod = opts.prod ?? false;
  let overrides: Record<string, string>;
  try {
    overrides = parseQueueUrlFlags(opts.queueUrl ?? []);
  } catch (err) {
    return fail('bad flag', err);
  }
  const config = loadScriptConfig(schema, { prod });
  if (!prod && !config.SQS_ENDPOINT) {
    fail('no SQS_ENDPOINT: start the local system (scripts/up) or pass --prod for AWS');
  }
  const endpoint = prod ? undefined : config.SQS_ENDPOINT;
  return {
    sqs: createSqsClient({ region: config.AWS_REGION, endpoint }),
    queues: resolveQueues(config, overrides),
    target: prod ? `AWS ${config.AWS_REGION}` : `local SQS ${endpoint}`,
  };
}

function pick(ctx: Context, name: string): ResolvedQueue {
  const queue = ctx.queues.find((q) => q.spec.name === name);
  if (!queue) fail(`unknown queue "${name}": one of ${names}`);
  return queue;
}

const json = (value: unknown) => console.log(JSON.stringify(value, null, 2));

program
  .command('list')
  .summary('each dead-letter queue with its depth')
  .description(
    'each dead-letter queue with its depth (messages waiting, in flight) and where its letters came from',
  )
  .option('--json', 'print JSON')
  .action(async (opts: { json?: boolean }) => {
    const ctx = context();
    type Row = { queue: string; url: string | null; source: string | null; holds: string } & (
      | QueueDepth
      | { error: string }
    );
    const rows: Row[] = await Promise.all(
      ctx.queues.map(async (q): Promise<Row> => {
        const base = { queue: q.spec.name, source: q.spec.source?.name ?? null, holds: q.spec.holds };
        try {
          const found = await locateQueue(ctx.sqs, q.spec.name, q.url);
          return { ...base, url: found, ...(await queueDepth(ctx.sqs, found)) };
        } catch (err) {
          return { ...base, url: q.url ?? null, error: (err as Error).message };
        }
      }),
    );
    ctx.sqs.destroy();
    if (opts.json) json(rows);
    else {
      console.log(`dead-letter queues on ${ctx.target}`);
      console.log(
        textTable(
          ['QUEUE', 'MESSAGES', 'IN FLIGHT', 'SOURCE', 'HOLDS'],
          rows.map((r) => [
            r.queue,
            'error' in r ? '?' : String(r.visible),
            'error' in r ? '?' : String(r.in_flight),
            r.source ?? '(stream)',
            'error' in r ? `error: ${r.error}` : r.holds,
          ]),
        ),
      );
    }
    // Every queue is listed even when one cannot be read; the exit code still says so.
    if (rows.some((r) => 'error' in r)) process.exitCode = 1;
  });

program
  .command('show <queue>')
  .summary('its dead letters with their reasons, without consuming them')
  .description(
    `each dead letter with its reason, message id, receive count, first-received time and a short body preview. Nothing is consumed: the letters are received with a ${PEEK_VISIBILITY_SECONDS} s visibility timeout and made visible again at once; receiving counts, so each receive count grows by one.`,
  )
  .option('--limit <n>', 'at most this many letters', positiveInt, 10)
  .option('--json', 'print JSON, with each letter’s whole body')
  .action(async (name: string, opts: { limit: number; json?: boolean }) => {
    const ctx = context();
    const queue = pick(ctx, name);
    let letters: DeadLetter[];
    let depth: QueueDepth;
    try {
      const found = await locateQueue(ctx.sqs, name, queue.url);
      depth = await queueDepth(ctx.sqs, found);
      letters = await peekDeadLetters(ctx.sqs, found, { limit: opts.limit });
    } catch (err) {
      return fail(`could not read ${name} on ${ctx.target}`, err);
    } finally {
      ctx.sqs.destroy();
    }
    if (opts.json) return json({ queue: name, ...depth, letters });
    console.log(
      `${name}: ${depth.visible} waiting, ${depth.in_flight} in flight; showing ${letters.length} (receive counts include this look; all visible again)`,
    );
    letters.forEach((l, i) => {
      const extra = Object.entries(l.attributes).map(([k, v]) => `${k}=${v}`);
      console.log(
        [
          '',
          `${i + 1}. ${l.message_id}  receives ${l.receive_count}  first received ${l.first_received_at ?? '-'}  sent ${l.sent_at ?? '-'}`,
          `   reason: ${l.reason ?? "none recorded (moved by the queue's redrive policy after too many failed receives)"}`,
          ...(extra.length > 0 ? [`   ${extra.join('  ')}`] : []),
          `   body (${l.body_chars} chars): ${l.body_preview}`,
        ].join('\n'),
      );
    });
  });

program
  .command('redrive <queue>')
  .summary('move its dead letters back to their source queue')
  .description(
    "move the dead letters back to their source queue, to be handled again (after the fix). SQS's StartMessageMoveTask where available, else receive-send-delete in batches of ten (the local emulator). Moves at most what the queue holds when it begins. stream-dlq has no source queue and is refused.",
  )
  .option('--yes', 'do not ask; required when not on a terminal')
  .option('--json', 'print the outcome as JSON')
  .action(async (name: string, opts: { yes?: boolean; json?: boolean }) => {
    const ctx = context();
    const queue = pick(ctx, name);
    const source = queue.spec.source;
    if (!source) {
      ctx.sqs.destroy();
      return fail(
        `${name} holds stream records, not queue messages: there is no source queue to move them back to (read them with \`dlq show ${name}\`)`,
      );
    }
    const log = (m: string) => console.error(`${name}: ${m}`);
    try {
      const dlqUrl = await locateQueue(ctx.sqs, name, queue.url);
      const sourceUrl = await locateQueue(ctx.sqs, source.name, queue.sourceUrl);
      const { visible } = await queueDepth(ctx.sqs, dlqUrl);
      if (visible === 0) {
        if (opts.json)
          json({ queue: name, source: source.name, method: null, moved: 0, failed: 0, failure: null });
        else console.log(`${name} is empty on ${ctx.target}; nothing to redrive`);
        return;
      }
      if (!opts.yes) {
        // Nobody to ask in CI or a pipe: refuse rather than guess.
        if (!process.stdin.isTTY) fail(`refusing to redrive ${name} without --yes`);
        const rl = createInterface({ input: process.stdin, output: process.stdout });
        const answer = await rl.question(
          `Move ${visible} letters from ${name} back to ${source.name} on ${ctx.target}? [y/N] `,
        );
        rl.close();
        if (!/^y(es)?$/i.test(answer.trim())) fail(`not confirmed; ${name} left as it was`);
      }
      const result = await redriveDeadLetters(ctx.sqs, { dlqUrl, sourceUrl, log });
      if (opts.json) json({ queue: name, source: source.name, ...result });
      else
        console.log(
          `moved ${result.moved} letters from ${name} back to ${source.name} (${result.method === 'move-task' ? 'SQS move task' : 'receive-send-delete'})` +
            (result.failed > 0 ? `; ${result.failed} not moved: ${result.failure}` : ''),
        );
      if (result.failed > 0) process.exitCode = 1;
    } catch (err) {
      fail(`could not redrive ${name} to ${source.name} on ${ctx.target}`, err);
    } finally {
      ctx.sqs.destroy();
    }
  });

await program.parseAsync();
