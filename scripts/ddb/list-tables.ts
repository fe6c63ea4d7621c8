import { Command } from 'commander';
import { fail } from '../lib/script-env.ts';
import { ddbScriptContext } from './lib/config.ts';
import { listTables } from './lib/tables.ts';

const program = new Command('ddb/list-tables')
  .description('List every table, one name per line (all pages).')
  .option('--prod', 'target AWS instead of the local DynamoDB')
  .parse();
const { prod = false } = program.opts<{ prod?: boolean }>();

const ctx = ddbScriptContext({ prod });
try {
  const names = await listTables(ctx.client);
  for (const name of names) console.log(name);
  console.error(`${names.length} tables (${ctx.target})`);
} catch (err) {
  fail(`could not list tables on ${ctx.target}`, err);
} finally {
  ctx.close();
}
