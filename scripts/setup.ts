import { Command } from 'commander';
import { fail } from './lib/script-env.ts';
import { runTsScript } from './lib/system.ts';

/**
 * Every data step in order, each idempotent, so `setup` can be run again at any time: against the local
 * system that `scripts/up` started (its .data/local.env), or against AWS with --prod.
 */
const STEPS = [
  ['db/create', 'create the PostgreSQL database'],
  ['db/migrate', 'run the users migrations'],
  ['ddb/schema-load', 'create the messages and lease tables'],
  ['db/seed', 'seed users in PostgreSQL and Cognito'],
  ['db/update-cognito-user-ids', 'link users to their Cognito subs'],
  ['ddb/seed', 'seed conversations (needs the users service)'],
] as const;

const program = new Command('setup')
  .description('Create and seed every datastore, idempotently.')
  .option('--prod', 'target AWS instead of the local system')
  .option('--skip-seed', 'only create schemas, no seed data')
  .parse();
const opts = program.opts<{ prod?: boolean; skipSeed?: boolean }>();

for (const [script, what] of STEPS) {
  // Demo users and their conversations are for local systems: production gets schemas only.
  if ((opts.skipSeed || opts.prod) && script.includes('seed')) {
    if (opts.prod && !opts.skipSeed)
      console.log(`==> ${script}: skipped with --prod (demo data is local only)`);
    continue;
  }
  console.log(`==> ${script}: ${what}`);
  // Nothing added to the env: each step reads .data/local.env itself under the caller's environment
  // (loadScriptConfig), so a variable set by the caller wins in every step, and --prod ignores the file.
  await runTsScript(script, opts.prod ? ['--prod'] : [], {}, 'inherit').catch((err) =>
    fail(`${script} failed`, err),
  );
}
console.log('setup complete');
