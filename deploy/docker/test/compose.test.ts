import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { configProblems } from '../../../packages/config/src/index.ts';
import { ensureServiceKeys } from '../../../packages/service-auth/src/key-files.ts';
import { gatewayConfigSchema } from '../../../services/gateway/src/config.ts';
import { messagingConfigSchema } from '../../../services/messaging/src/config.ts';
import { streamConsumerConfigSchema } from '../../../services/stream-consumer/src/config.ts';
import { usersConfigSchema } from '../../../services/users/src/config.ts';
import { REPO_ROOT, SERVICE_PORTS, SERVICES } from '../src/bundle.ts';
import {
  COMPOSE_FILE,
  type ComposeFile,
  canConnect,
  loadCompose,
  reachableFromOutside,
  serviceEnv,
  serviceNetworks,
  volumeMounts,
} from '../src/compose.ts';

const INSTALLER = join(REPO_ROOT, 'deploy/docker/install-compose-validator.sh');
const INFRA = ['postgres', 'dynamodb', 'fauxqs', 'cognito'];
/** The services nothing outside may reach: only the gateway calls them. */
const INTERNAL_SERVICES = ['users', 'messaging', 'stream-consumer'];
const ONE_SHOTS = ['init', 'seed-messages'];
const KEYS_VOLUME = 'service-keys';

let validator = '';
let scratch = '';
let keysDir = '';
const compose: ComposeFile = loadCompose();

/**
 * Reads a file as the container would see it: a path under a mount of the keys volume is served from keys the
 * test generated the way `init` does (scripts/ops/service-keys); any other path does not exist.
 */
function containerFileReader(service: string) {
  return (path: string): string => {
    const mount = volumeMounts(compose, service).find(
      (m) => m.source === KEYS_VOLUME && path.startsWith(`${m.target}/`),
    );
    if (!mount) throw Object.assign(new Error(`ENOENT ${path}`), { code: 'ENOENT' });
    return readFileSync(join(keysDir, relative(mount.target, path)), 'utf8');
  };
}

/** Runs Debian's docker-compose 1.29.2 `config -q`: a schema check of the file, no engine involved. */
function composeConfig(file: string) {
  return spawnSync(validator, ['-f', file, 'config', '-q'], { encoding: 'utf8', cwd: REPO_ROOT });
}

beforeAll(async () => {
  // Installs into .tools/compose on first use (apt-get download + dpkg-deb -x), then is a no-op.
  validator = execFileSync('bash', [INSTALLER], { encoding: 'utf8' }).trim().split('\n').at(-1)!;
  scratch = mkdtempSync(join(tmpdir(), 'cruddur-compose-'));
  keysDir = join(scratch, 'keys');
  await ensureServiceKeys(keysDir);
}, 180_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('docker-compose.yml, checked by a real Compose implementation', () => {
  it('passes docker-compose config', () => {
    const result = composeConfig(COMPOSE_FILE);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('the validator rejects what Compose would reject (so the check above means something)', () => {
    const broken = structuredClone(compose);
    (broken.services['stream-consumer'] as Record<string, unknown>).bogus_key = 1;
    broken.services.gateway!.depends_on = { users: { condition: 'service_happy' } };
    const file = join(scratch, 'broken.yml');
    writeFileSync(file, stringify(broken));
    const result = composeConfig(file);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/bogus_key/);
  });

  it('stays within what Compose v1 understands (no top-level name:)', () => {
    expect(Object.keys(compose).filter((k) => !k.startsWith('x-'))).toEqual([
      'services',
      'networks',
      'volumes',
    ]);
  });
});

describe('structure', () => {
  it('the worker can be scaled: no container_name, no host port, no fixed WORKER_ID', () => {
    const worker = compose.services['stream-consumer']!;
    expect(worker.container_name).toBeUndefined();
    expect(worker.ports).toBeUndefined();
    expect(worker.environment).not.toHaveProperty('WORKER_ID');
    expect(worker.deploy).toBeUndefined();
  });

  it('no service pins a container name', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      expect(service.container_name, name).toBeUndefined();
    }
  });

  it('every service has a /healthz healthcheck on its own port, built from its own Dockerfile target', () => {
    for (const name of SERVICES) {
      const service = compose.services[name]!;
      expect(service.build, name).toEqual({ context: '.', target: name });
      expect(JSON.stringify(service.healthcheck?.test), name).toContain('/healthz');
      expect(service.environment?.PORT, name).toBe(String(SERVICE_PORTS[name]));
    }
  });

  it('every emulator and datastore has a healthcheck', () => {
    for (const name of INFRA) expect(compose.services[name]?.healthcheck, name).toBeDefined();
  });

  it('the one-shot init waits for healthy datastores and runs migrations, schema-load and seeds in order', () => {
    const init = compose.services.init!;
    expect(init.build?.target).toBe('tools');
    expect(init.restart).toBeUndefined();
    for (const dep of INFRA) {
      expect(init.depends_on).toHaveProperty(dep, { condition: 'service_healthy' });
    }
    const seed = compose.services['seed-messages']!;
    expect(seed.depends_on).toHaveProperty('init', { condition: 'service_completed_successfully' });
    // ddb/seed resolves the seed handles through the users service.
    expect(seed.depends_on).toHaveProperty('users', { condition: 'service_healthy' });
    const steps = [init, seed].flatMap((s) => {
      const command = s.command as string[];
      expect(command.slice(0, 2)).toEqual(['sh', 'deploy/docker/init.sh']);
      return command.slice(2);
    });
    // A step is a script and its arguments (init.sh splits it into words).
    expect(steps).toEqual([
      'ops/service-keys --out /keys',
      'db/migrate',
      'ddb/schema-load',
      'db/seed',
      'ddb/seed',
    ]);
    for (const step of steps) {
      const script = step.split(' ')[0]!;
      expect(existsSync(join(REPO_ROOT, 'scripts', `${script}.ts`)), step).toBe(true);
    }
  });

  it('the services start only after init succeeded; the gateway only after its upstreams are healthy', () => {
    for (const name of SERVICES) {
      expect(compose.services[name]!.depends_on, name).toHaveProperty('init', {
        condition: 'service_completed_successfully',
      });
    }
    const gateway = compose.services.gateway!.depends_on;
    expect(gateway).toHaveProperty('users', { condition: 'service_healthy' });
    expect(gateway).toHaveProperty('messaging', { condition: 'service_healthy' });
  });

  it('every depends_on names a real service with an explicit condition', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      const deps = service.depends_on ?? {};
      expect(Array.isArray(deps), name).toBe(false);
      for (const [dep, { condition }] of Object.entries(deps)) {
        expect(compose.services, `${name} -> ${dep}`).toHaveProperty(dep);
        expect(['service_healthy', 'service_completed_successfully']).toContain(condition);
      }
    }
  });

  it('DynamoDB Local keeps its data on a named volume (-sharedDb -dbPath)', () => {
    const ddb = compose.services.dynamodb!;
    const command = ddb.command as string[];
    expect(command).toContain('-sharedDb');
    const dbPath = command[command.indexOf('-dbPath') + 1];
    expect(ddb.volumes).toContain(`dynamodb-data:${dbPath}`);
    expect(compose.volumes).toHaveProperty('dynamodb-data');
  });
});

const SCHEMAS = {
  gateway: gatewayConfigSchema,
  users: usersConfigSchema,
  messaging: messagingConfigSchema,
  'stream-consumer': streamConsumerConfigSchema,
} as const;

describe('each service environment satisfies that service config schema (key files read from the keys volume)', () => {
  for (const name of SERVICES) {
    it(name, () => {
      expect(configProblems(SCHEMAS[name], serviceEnv(compose, name), containerFileReader(name))).toEqual([]);
    });
  }

  it('a key file the volume does not hold, or a service without the mount, fails (so the checks above can)', () => {
    const env = { ...serviceEnv(compose, 'gateway'), SERVICE_AUTH_PRIVATE_KEY_FILE: '/keys/nope.jwk' };
    expect(configProblems(SCHEMAS.gateway, env, containerFileReader('gateway')).join()).toMatch(
      /SERVICE_AUTH_PRIVATE_KEY_FILE: cannot read/,
    );
    const unmounted = configProblems(
      SCHEMAS.users,
      serviceEnv(compose, 'users'),
      containerFileReader('init-x'),
    );
    expect(unmounted.join()).toMatch(/SERVICE_AUTH_PUBLIC_KEYS_FILE/);
    // A private key where the public set belongs is refused as well.
    const swapped = { ...serviceEnv(compose, 'users'), SERVICE_AUTH_PUBLIC_KEYS_FILE: '/keys/gateway.jwk' };
    expect(configProblems(SCHEMAS.users, swapped, containerFileReader('users'))).not.toEqual([]);
  });
});

describe('trust boundary', () => {
  it('from outside only the gateway and the emulators can be reached; users, messaging and the worker cannot', () => {
    expect(compose.networks?.internal).toEqual({ internal: true });
    expect(reachableFromOutside(compose)).toEqual(['cognito', 'dynamodb', 'fauxqs', 'gateway', 'postgres']);
    for (const name of [...INTERNAL_SERVICES, ...ONE_SHOTS]) {
      expect(serviceNetworks(compose, name), name).toEqual(['internal']);
      expect(compose.services[name]!.ports, name).toBeUndefined();
    }
    expect(serviceNetworks(compose, 'gateway').sort()).toEqual(['edge', 'internal']);
    // The Cognito state copy needs no network at all.
    expect(serviceNetworks(compose, 'cognito-state')).toEqual([]);
  });

  it('inside, every caller still reaches what it calls', () => {
    const calls: [string, string][] = [
      ['gateway', 'users'],
      ['gateway', 'messaging'],
      ['gateway', 'cognito'],
      ['gateway', 'fauxqs'],
      ['messaging', 'users'],
      ['messaging', 'dynamodb'],
      ['users', 'postgres'],
      ['users', 'fauxqs'],
      ['stream-consumer', 'dynamodb'],
      ['stream-consumer', 'fauxqs'],
      ['seed-messages', 'users'],
      ['seed-messages', 'dynamodb'],
      ...INFRA.map((infra): [string, string] => ['init', infra]),
    ];
    for (const [from, to] of calls) expect(canConnect(compose, from, to), `${from} -> ${to}`).toBe(true);
  });

  it('the boundary check notices an exposed service (so the test above can fail)', () => {
    const onEdge = structuredClone(compose);
    onEdge.services.users!.networks = ['internal', 'edge'];
    expect(reachableFromOutside(onEdge)).toContain('users');
    const published = structuredClone(compose);
    published.services.messaging!.ports = ['127.0.0.1:4572:4572'];
    expect(reachableFromOutside(published)).toContain('messaging');
    const onDefault = structuredClone(compose);
    delete onDefault.services['stream-consumer']!.networks;
    expect(reachableFromOutside(onDefault)).toContain('stream-consumer');
    const notInternal = structuredClone(compose);
    notInternal.networks!.internal = {};
    expect(reachableFromOutside(notInternal)).toEqual(expect.arrayContaining(INTERNAL_SERVICES));
  });

  it('every service container listens on all interfaces (HOST=0.0.0.0), its healthcheck on 127.0.0.1', () => {
    for (const name of SERVICES) {
      expect(serviceEnv(compose, name).HOST, name).toBe('0.0.0.0');
      expect(JSON.stringify(compose.services[name]!.healthcheck?.test), name).toContain('http://127.0.0.1:');
    }
  });

  it('init creates the keys before anything else, and is the only container that can write them', () => {
    const command = compose.services.init!.command as string[];
    expect(command[2]).toBe('ops/service-keys --out /keys');
    expect(volumeMounts(compose, 'init')).toContainEqual({
      source: KEYS_VOLUME,
      target: '/keys',
      readOnly: false,
    });
    for (const name of Object.keys(compose.services)) {
      if (name === 'init') continue;
      for (const m of volumeMounts(compose, name).filter((v) => v.source === KEYS_VOLUME)) {
        expect(m.readOnly, `${name} ${m.target}`).toBe(true);
      }
    }
    expect(compose.volumes).toHaveProperty(KEYS_VOLUME);
  });

  it('each container gets the key files of its role and nothing inline; holders of keys wait for init', () => {
    const fileVars = (name: string) =>
      Object.fromEntries(Object.entries(serviceEnv(compose, name)).filter(([k]) => k.endsWith('_FILE')));
    expect(fileVars('gateway')).toEqual({ SERVICE_AUTH_PRIVATE_KEY_FILE: '/keys/gateway.jwk' });
    expect(fileVars('messaging')).toEqual({
      SERVICE_AUTH_PRIVATE_KEY_FILE: '/keys/messaging.jwk',
      SERVICE_AUTH_PUBLIC_KEYS_FILE: '/keys/public.jwks',
    });
    expect(fileVars('users')).toEqual({ SERVICE_AUTH_PUBLIC_KEYS_FILE: '/keys/public.jwks' });
    expect(fileVars('stream-consumer')).toEqual({});
    expect(fileVars('seed-messages')).toEqual({ OPS_SERVICE_AUTH_PRIVATE_KEY_FILE: '/keys/ops.jwk' });
    expect(fileVars('init')).toEqual({});
    for (const name of Object.keys(compose.services)) {
      const env = serviceEnv(compose, name);
      expect(
        Object.keys(env).filter((k) => /PRIVATE_KEY$|PUBLIC_KEYS$/.test(k)),
        name,
      ).toEqual([]);
      expect(JSON.stringify(env), name).not.toMatch(/"d":|BEGIN [A-Z ]*PRIVATE KEY/);
      if (name !== 'init' && volumeMounts(compose, name).some((m) => m.source === KEYS_VOLUME)) {
        expect(compose.services[name]!.depends_on, name).toHaveProperty('init', {
          condition: 'service_completed_successfully',
        });
      }
    }
    // The files those variables name are the ones the key script writes.
    for (const file of ['gateway.jwk', 'messaging.jwk', 'ops.jwk', 'public.jwks']) {
      expect(existsSync(join(keysDir, file)), file).toBe(true);
    }
  });

  it('the gateway trusts the Cognito emulator explicitly; messaging re-reads profiles from users', () => {
    expect(serviceEnv(compose, 'gateway').AUTH_LOCAL_TRUST).toBe('true');
    const messaging = serviceEnv(compose, 'messaging');
    expect(messaging.USERS_URL).toBe(`http://users:${SERVICE_PORTS.users}`);
    expect(messaging.USERS_URL).toBe(serviceEnv(compose, 'gateway').USERS_URL);
    expect(messaging.USERS_EVENTS_DLQ_URL).toBe('http://fauxqs:4566/000000000000/users-events-dlq');
  });
});
