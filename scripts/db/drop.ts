import { createInterface } from 'node:readline/promises';
import { Command } from 'commander';
import { fail } from '../lib/script-env.ts';
import { describeDatabase, loadDbScriptConfig, runOrFail } from './lib/cli.ts';
import { dropDatabase, splitDatabaseUrl } from './lib/database.ts';

const program = new Command('db/drop')
  .description('Drop the database DATABASE_URL names, with every row in it. Asks first unless --yes.')
  .option('--yes', 'do not ask; required when not on a terminal')
  .option('--prod', 'use the real environment only, not .data/local.env')
  .parse();
const { yes = false, prod = false } = program.opts<{ yes?: boolean; prod?: boolean }>();
const config = loadDbScriptConfig(prod);
const target = describeDatabase(config.DATABASE_URL);
const { name } = runOrFailSync(() => splitDatabaseUrl(config.DATABASE_URL));

if (!yes) {
  // Nobody to ask in CI or a pipe: refuse rather than guess.
  if (!process.stdin.isTTY) fail(`refusing to drop ${target} without --yes`);
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const answer = await rl.question(`Drop ${target} and all its data? Type its name (${name}) to confirm: `);
  rl.close();
  if (answer.trim() !== name) fail(`not confirmed; ${target} left as it was`);
}

const outcome = await runOrFail(`could not drop ${target}`, () => dropDatabase(config.DATABASE_URL));
console.log(
  outcome === 'dropped' ? `dropped database ${target}` : `database ${target} does not exist; nothing to drop`,
);

function runOrFailSync<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    return fail('invalid DATABASE_URL', err);
  }
}
