import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureServiceKeys, SIGNING_SERVICES, type SigningService } from '@cruddur/service-auth';
import { Command, Option } from 'commander';
import { fail, REPO_ROOT } from '../lib/script-env.ts';

const program = new Command('service-keys')
  .description(
    'Create (or rotate) the Ed25519 keys our services sign their internal calls with, and the public key set every service trusts. Idempotent: existing keys are kept.',
  )
  .option('--out <dir>', 'where the key files live', join(REPO_ROOT, '.data', 'keys'))
  .addOption(
    new Option(
      '--rotate <services...>',
      'give these services a new key; the set keeps the old public key too',
    ).choices(SIGNING_SERVICES),
  )
  .addOption(
    new Option(
      '--retire <services...>',
      "drop these services' previous public keys (after a rotation)",
    ).choices(SIGNING_SERVICES),
  )
  .option(
    '--k8s-secrets [namespace]',
    'print the keys as Kubernetes Secrets (one per service) instead of a summary',
  )
  .parse();
const opts = program.opts<{
  out: string;
  rotate?: SigningService[];
  retire?: SigningService[];
  k8sSecrets?: string | boolean;
}>();

const keys = await ensureServiceKeys(opts.out, {
  rotate: opts.rotate ?? [],
  retire: opts.retire ?? [],
}).catch((err) => fail(`could not write keys to ${opts.out}`, err));

if (opts.k8sSecrets) {
  const namespace = typeof opts.k8sSecrets === 'string' ? opts.k8sSecrets : 'cruddur';
  const secret = (name: string, file: string, path: string) =>
    [
      'apiVersion: v1',
      'kind: Secret',
      'metadata:',
      `  name: ${name}`,
      `  namespace: ${namespace}`,
      'type: Opaque',
      'data:',
      `  ${file}: ${Buffer.from(readFileSync(path)).toString('base64')}`,
    ].join('\n');
  const docs = [
    secret('cruddur-service-public-keys', 'public.jwks', keys.publicKeysPath),
    ...SIGNING_SERVICES.map((s) => secret(`cruddur-${s}-signing-key`, `${s}.jwk`, keys.privateKeyPath(s))),
  ];
  console.log(docs.join('\n---\n'));
} else {
  console.log(`service keys in ${keys.dir}:`);
  for (const service of SIGNING_SERVICES)
    console.log(`  ${service}: ${keys.privateKeyPath(service)} (private, 0600)`);
  console.log(`  public key set: ${keys.publicKeysPath}`);
}
