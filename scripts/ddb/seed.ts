import { SingleBar } from 'cli-progress';
import { Command } from 'commander';
import { fail } from '../lib/script-env.ts';
import { SEED_USERS } from '../lib/seed-users.ts';
import { ddbScriptContext } from './lib/config.ts';
import { SeedError, usersServiceResolver } from './lib/resolve-user.ts';
import { seedConversations } from './lib/seed.ts';

const program = new Command('ddb/seed')
  .description(
    'Seed conversations among the seed users (looked up in the users service): a 100+ message one between andrewbrown and bayko, shorter ones, and a group of all four with an add and a rename. Safe to run again.',
  )
  .option('--prod', 'target AWS instead of the local DynamoDB')
  .parse();
const { prod = false } = program.opts<{ prod?: boolean }>();

/** `@a and @b`, `@a, @b and @c`. */
function who(handles: readonly string[]): string {
  const at = handles.map((h) => `@${h}`);
  return at.length > 1 ? `${at.slice(0, -1).join(', ')} and ${at.at(-1)}` : (at[0] ?? '');
}

const ctx = ddbScriptContext({ prod });
const bar = process.stdout.isTTY
  ? new SingleBar({ format: 'seeding [{bar}] {value}/{total} writes' })
  : undefined;
try {
  const result = await seedConversations({
    doc: ctx.doc,
    table: ctx.config.DDB_MESSAGE_TABLE,
    resolveUser: usersServiceResolver(ctx.config.USERS_URL, ctx.config.OPS_SERVICE_AUTH_PRIVATE_KEY),
    handles: SEED_USERS.map((u) => u.handle),
    onTotal: (total) => bar?.start(total, 0),
    onProgress: (n) => bar?.increment(n),
  });
  bar?.stop();
  for (const c of result.conversations)
    console.log(`@${c.handles[0]} and @${c.handles[1]}: ${c.messages} messages (group ${c.groupUuid})`);
  for (const g of result.groups)
    console.log(`group "${g.title}" of ${who(g.handles)}: ${g.messages} messages (group ${g.groupUuid})`);
  for (const s of result.skipped)
    console.warn(`skipped ${s.title ? `group "${s.title}" of ` : ''}${who(s.handles)}: ${s.reason}`);
  console.log(
    `seeded ${result.messages} messages in ${result.conversations.length} conversations and ${result.groups.length} group(s) into ${ctx.config.DDB_MESSAGE_TABLE} (${ctx.target}); ` +
      `inbox rows written ${result.inboxRowsWritten}, already newer ${result.inboxRowsNewer}; ` +
      `batch retries ${result.batchRetries}; time anchor ${result.anchor}`,
  );
} catch (err) {
  bar?.stop();
  if (err instanceof SeedError) fail(err.message);
  fail(`could not seed ${ctx.config.DDB_MESSAGE_TABLE} on ${ctx.target}`, err);
} finally {
  ctx.close();
}
