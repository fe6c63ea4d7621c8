import { Command } from 'commander';
import { fail } from '../lib/script-env.ts';
import { ddbScriptContext } from './lib/config.ts';
import { dropTable } from './lib/tables.ts';

const program = new Command('ddb/drop')
  .description('Delete a table (default: the messages table). Everything in it is lost.')
  .argument('[table]', 'table name (default DDB_MESSAGE_TABLE)')
  .option('--leases', 'also delete the stream consumer lease table')
  .option('--prod', 'target AWS instead of the local DynamoDB')
  .option('--yes', 'required with --prod: confirms deleting a real table')
  .parse();
const opts = program.opts<{ prod?: boolean; leases?: boolean; yes?: boolean }>();
if (opts.prod && !opts.yes) fail('refusing to delete an AWS table without --yes');

const ctx = ddbScriptContext({ prod: opts.prod ?? false });
const tables = [
  program.args[0] ?? ctx.config.DDB_MESSAGE_TABLE,
  ...(opts.leases ? [ctx.config.DDB_LEASE_TABLE] : []),
];
try {
  for (const table of tables) {
    const dropped = await dropTable(ctx.client, table);
    console.log(`${table}: ${dropped ? 'deleted' : 'does not exist'} (${ctx.target})`);
  }
} catch (err) {
  fail(`could not delete ${tables.join(', ')} on ${ctx.target}`, err);
} finally {
  ctx.close();
}
