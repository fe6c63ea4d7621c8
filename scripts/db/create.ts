import { Command } from 'commander';
import { describeDatabase, loadDbScriptConfig, runOrFail } from './lib/cli.ts';
import { createDatabase } from './lib/database.ts';

const program = new Command('db/create')
  .description('Create the database DATABASE_URL names, unless it exists.')
  .option('--prod', 'use the real environment only, not .data/local.env')
  .parse();
const { prod = false } = program.opts<{ prod?: boolean }>();
const config = loadDbScriptConfig(prod);
const target = describeDatabase(config.DATABASE_URL);

const outcome = await runOrFail(`could not create ${target}`, () => createDatabase(config.DATABASE_URL));
console.log(outcome === 'created' ? `created database ${target}` : `database ${target} already exists`);
