import { type MalformedItemError, parseStoredItem } from '@cruddur/ddb';
import { Command } from 'commander';
import { fail } from '../lib/script-env.ts';
import { ddbScriptContext, positiveInt } from './lib/config.ts';
import { scanTable } from './lib/scan.ts';

const program = new Command('ddb/scan')
  .description('Print every item of a table as JSON lines, reading all pages.')
  .argument('[table]', 'table name (default DDB_MESSAGE_TABLE)')
  .option('--limit <n>', 'stop after this many items', positiveInt)
  .option('--page-size <n>', 'items per Scan call', positiveInt, 100)
  .option('--prod', 'target AWS instead of the local DynamoDB')
  .parse();
const opts = program.opts<{ limit?: number; pageSize: number; prod?: boolean }>();

const ctx = ddbScriptContext({ prod: opts.prod ?? false });
const table = program.args[0] ?? ctx.config.DDB_MESSAGE_TABLE;
try {
  // Items are printed as stored, malformed ones too; the ones that do not match their item schema are counted.
  const malformed: MalformedItemError[] = [];
  const { items, pages } = await scanTable(ctx.doc, table, {
    ...(opts.limit ? { limit: opts.limit } : {}),
    pageSize: opts.pageSize,
    onItem: (item) => {
      process.stdout.write(`${JSON.stringify(item)}\n`);
      const parsed = parseStoredItem(item);
      if (!parsed.ok) malformed.push(parsed.error);
    },
  });
  // On stderr, so stdout stays pure JSON lines for jq.
  console.error(`${items} items in ${pages} pages from ${table} (${ctx.target})`);
  if (malformed.length > 0)
    console.error(`${malformed.length} do not match their item schema; the first: ${malformed[0]!.message}`);
} catch (err) {
  fail(`could not scan ${table} on ${ctx.target}`, err);
} finally {
  ctx.close();
}
