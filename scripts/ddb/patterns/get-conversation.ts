import { Command } from 'commander';
import { fail } from '../../lib/script-env.ts';
import { ddbScriptContext, positiveInt } from '../lib/config.ts';
import {
  CursorError,
  conversationHeadline,
  describeConversation,
  getConversationPage,
  groupOfPair,
  printPage,
  shortTime,
} from '../lib/patterns.ts';
import { SeedError, usersServiceResolver } from '../lib/resolve-user.ts';

const program = new Command('ddb/patterns/get-conversation')
  .description(
    'Access pattern A: one page of a conversation (direct or group), by --group or by the two users --handle and --with; a group\'s adds, leaves and renames show as "* ..." lines.',
  )
  .option('--group <uuid>', 'the conversation (message_group_uuid)')
  .option('--handle <handle>', 'one member, when --group is not given', 'andrewbrown')
  .option('--with <handle>', 'the other member, when --group is not given', 'bayko')
  .option('--limit <n>', 'messages per page', positiveInt, 20)
  .option('--cursor <cursor>', 'the next cursor printed by the previous page (older messages)')
  .option('--json', 'print the raw Query response instead of a table')
  .option('--prod', 'target AWS instead of the local DynamoDB')
  .parse();
const opts = program.opts<{
  group?: string;
  handle: string;
  with: string;
  limit: number;
  cursor?: string;
  json?: boolean;
  prod?: boolean;
}>();

const ctx = ddbScriptContext({ prod: opts.prod ?? false });
const table = ctx.config.DDB_MESSAGE_TABLE;
try {
  let group = opts.group;
  if (!group) {
    const resolve = usersServiceResolver(ctx.config.USERS_URL, ctx.config.OPS_SERVICE_AUTH_PRIVATE_KEY);
    const [a, b] = await Promise.all([resolve(opts.handle), resolve(opts.with)]);
    if (!a || !b) fail(`no user @${!a ? opts.handle : opts.with} in the users service`);
    group = await groupOfPair(ctx.doc, table, a.uuid, b.uuid);
    if (!group) fail(`@${opts.handle} and @${opts.with} have no conversation`);
    console.log(`conversation of @${opts.handle} and @${opts.with}: ${group}`);
  }
  const conversation = await describeConversation(ctx.doc, table, group);
  console.log(conversation ? conversationHeadline(conversation) : `no conversation item for ${group}`);
  const page = await getConversationPage(ctx.doc, table, {
    groupUuid: group,
    limit: opts.limit,
    cursor: opts.cursor,
  });
  printPage(page, {
    json: opts.json,
    cells: (r) => ({ ...r, created_at: shortTime(r.created_at) }),
    columns: [
      { key: 'created_at', width: 20 },
      { key: 'handle', width: 14 },
      { key: 'message', width: 60 },
      { key: 'reactions', width: 16 },
    ],
    noun: 'messages',
    where: `${table} (${ctx.target})`,
    more: 'older messages',
    none: 'no older messages',
  });
} catch (err) {
  if (err instanceof CursorError || err instanceof SeedError) fail(err.message);
  fail(`could not read the conversation from ${table} on ${ctx.target}`, err);
} finally {
  ctx.close();
}
