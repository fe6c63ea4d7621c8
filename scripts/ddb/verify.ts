import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createSqsClient } from '@cruddur/aws';
import { z } from '@cruddur/config';
import { Command } from 'commander';
import { fail, loadScriptConfig } from '../lib/script-env.ts';
import { ddbScriptContext, ddbScriptSchema } from './lib/config.ts';
import { formatVerification } from './lib/verify/report.ts';
import { verifySystem } from './lib/verify/system.ts';

/**
 * The invariant checker of the messages table (and, with `--system`, of the events around it).
 * Operators run it against a real table (`--prod`); the fault-injection suite calls the same functions
 * after killing every part of the system, and expects no violation. The checks live in lib/verify/, one
 * module per family (messages, members, inbox rows, groups, outbox, queues, message events); this file is the
 * command and what callers import.
 */

export {
  type MessageEventState,
  type MessageEventVerification,
  verifyMessageEvents,
} from './lib/verify/message-events.ts';
export { type OutboxVerification, verifyOutbox } from './lib/verify/outbox.ts';
export {
  DEFAULT_NOT_CONSUMED,
  type QueueDepth,
  type QueueVerification,
  verifyQueues,
} from './lib/verify/queues.ts';
export { formatVerification } from './lib/verify/report.ts';
export {
  type SystemVerification,
  verifyRunningMessageEvents,
  verifyRunningSystem,
  verifySystem,
} from './lib/verify/system.ts';
export { type TableVerification, verifyTable } from './lib/verify/table.ts';
export type { ExpectedMessage, Violation } from './lib/verify/violations.ts';

function isMain(): boolean {
  try {
    return realpathSync(process.argv[1] ?? '') === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

async function main() {
  const program = new Command('ddb/verify')
    .description(
      "Check the invariants of the messages table: each message stored once under its own key, every inbox row showing its conversation's newest message (a group member's: the newest sent to them, with an exact unread count), members, pair locks and profiles consistent, a group's messages and META agreeing with its system messages, no orphans. Exit 1 on any violation.",
    )
    .argument('[table]', 'table name (default DDB_MESSAGE_TABLE)')
    .option('--system', 'also check the outbox (DATABASE_URL) and that every consumed SQS queue is drained')
    .option('--queue-prefix <prefix>', 'with --system: only queues whose name starts with this')
    .option('--json', 'print the full result as JSON')
    .option('--prod', 'target AWS instead of the local system')
    .parse();
  const opts = program.opts<{ system?: boolean; json?: boolean; prod?: boolean; queuePrefix?: string }>();
  const prod = opts.prod ?? false;
  const ctx = ddbScriptContext({ prod });
  const table = program.args[0] ?? ctx.config.DDB_MESSAGE_TABLE;
  const sqs = opts.system
    ? createSqsClient({
        region: ctx.config.AWS_REGION,
        endpoint: prod ? undefined : ctx.config.SQS_ENDPOINT,
      })
    : undefined;
  try {
    const env = opts.system
      ? loadScriptConfig(ddbScriptSchema.extend({ DATABASE_URL: z.string().min(1).optional() }), { prod })
      : undefined;
    if (opts.system && !env?.DATABASE_URL) fail('--system needs DATABASE_URL (the users database)');
    const result = await verifySystem({
      doc: ctx.doc,
      table,
      ...(env?.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}),
      ...(sqs ? { sqs } : {}),
      ...(opts.queuePrefix ? { queuePrefix: opts.queuePrefix } : {}),
    });
    console.log(opts.json ? JSON.stringify(result, null, 2) : `${ctx.target}\n${formatVerification(result)}`);
    process.exitCode = result.violations.length > 0 ? 1 : 0;
  } catch (err) {
    fail(`could not verify ${table} on ${ctx.target}`, err);
  } finally {
    ctx.close();
    sqs?.destroy();
  }
}

if (isMain()) await main();
