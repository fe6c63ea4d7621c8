import { migrateUsersDatabase } from '@cruddur/users';
import { Command } from 'commander';
import { describeDatabase, loadDbScriptConfig, runOrFail } from './lib/cli.ts';

const program = new Command('db/migrate')
  .description('Apply every pending migration of the users database (services/users/migrations).')
  .option('--down', 'revert the newest applied migration instead')
  .option('--prod', 'use the real environment only, not .data/local.env')
  .parse();
const { down = false, prod = false } = program.opts<{ down?: boolean; prod?: boolean }>();
const config = loadDbScriptConfig(prod);
const target = describeDatabase(config.DATABASE_URL);

const ran = await runOrFail(`could not migrate ${target}`, () =>
  migrateUsersDatabase(config.DATABASE_URL, { direction: down ? 'down' : 'up' }),
);
if (ran.length === 0) console.log(`${target}: ${down ? 'no migration to revert' : 'already up to date'}`);
for (const name of ran) console.log(`${target}: ${down ? 'reverted' : 'applied'} ${name}`);
