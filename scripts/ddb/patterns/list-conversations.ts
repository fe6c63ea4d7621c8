import { Command } from 'commander';
import { fail } from '../../lib/script-env.ts';
import { ddbScriptContext, positiveInt } from '../lib/config.ts';
import { CursorError, listConversationsPage, printPage, shortTime } from '../lib/patterns.ts';
import { SeedError, usersServiceResolver } from '../lib/resolve-user.ts';

const program = new Command('ddb/patterns/list-conversations')
  .description(
    "Access pattern B: one page of a user's conversations, direct and group, newest activity first.",
  )
  .option('--handle <handle>', 'whose conversations (looked up in the users service)', 'andrewbrown')
  .option('--user <uuid>', 'a user uuid instead of --handle')
  .option('--limit <n>', 'conversations per page', positiveInt, 20)
  .option('--cursor <cursor>', 'the next cursor printed by the previous page')
  .option('--json', 'print the raw Query response instead of a table')
  .option('--prod', 'target AWS instead of the local DynamoDB')
  .parse();
const opts = program.opts<{
  handle: string;
  user?: string;
  limit: number;
  cursor?: string;
  json?: boolean;
  prod?: boolean;
}>();

const ctx = ddbScriptContext({ prod: opts.prod ?? false });
const table = ctx.config.DDB_MESSAGE_TABLE;
try {
  let userUuid = opts.user;
  if (!userUuid) {
    const user = await usersServiceResolver(
      ctx.config.USERS_URL,
      ctx.config.OPS_SERVICE_AUTH_PRIVATE_KEY,
    )(opts.handle);
    if (!user) fail(`no user @${opts.handle} in the users service`);
    userUuid = user.uuid;
    console.log(`@${opts.handle}: ${userUuid}`);
  }
  const page = await listConversationsPage(ctx.doc, table, {
    userUuid,
    limit: opts.limit,
    cursor: opts.cursor,
  });
  printPage(page, {
    json: opts.json,
    cells: (r) => ({
      ...r,
      last_message_at: shortTime(r.last_message_at),
      members: `${r.member_count}: ${r.members.join(', ')}`,
    }),
    columns: [
      { key: 'last_message_at', width: 20 },
      { key: 'kind', width: 6 },
      { key: 'with', width: 26 },
      { key: 'members', width: 28 },
      { key: 'unread', width: 6 },
      { key: 'last_message', width: 30 },
      { key: 'message_group_uuid', width: 36 },
    ],
    noun: 'conversations',
    where: `${table} (${ctx.target})`,
    more: 'next page',
    none: 'no more conversations',
  });
} catch (err) {
  if (err instanceof CursorError || err instanceof SeedError) fail(err.message);
  fail(`could not list conversations from ${table} on ${ctx.target}`, err);
} finally {
  ctx.close();
}
