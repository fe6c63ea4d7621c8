import { Command } from 'commander';
import { fail } from '../lib/script-env.ts';
import { ddbScriptContext } from './lib/config.ts';
import { loadSchema } from './lib/tables.ts';

const program = new Command('ddb/schema-load')
  .description(
    'Create the messages table (stream, LSI, TTL), the stream consumer lease table and the connection registry (TTL), if missing.',
  )
  .option('--prod', 'target AWS instead of the local DynamoDB')
  .parse();
const { prod = false } = program.opts<{ prod?: boolean }>();

const ctx = ddbScriptContext({ prod });
try {
  const results = await loadSchema(ctx.client, {
    messageTable: ctx.config.DDB_MESSAGE_TABLE,
    leaseTable: ctx.config.DDB_LEASE_TABLE,
    connectionTable: ctx.config.DDB_CONNECTION_TABLE,
  });
  for (const r of results) {
    console.log(
      `${r.role} table ${r.table}: ${r.status === 'created' ? 'created' : 'exists already'} (${ctx.target})`,
    );
    for (const w of r.warnings) console.warn(`  warning: ${w}`);
  }
} catch (err) {
  fail(`could not load the schema on ${ctx.target}`, err);
} finally {
  ctx.close();
}
