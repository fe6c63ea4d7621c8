import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { gatewayConfigSchema } from '../../../services/gateway/src/config.ts';
import { messagingConfigSchema } from '../../../services/messaging/src/config.ts';
import { streamConsumerConfigSchema } from '../../../services/stream-consumer/src/config.ts';
import { usersConfigSchema } from '../../../services/users/src/config.ts';
import { REPO_ROOT, SERVICE_PORTS, SERVICES } from '../src/bundle.ts';
import { COMPOSE_FILE, type ComposeFile, loadCompose, serviceEnv } from '../src/compose.ts';

const INSTALLER = join(REPO_ROOT, 'deploy/docker/install-compose-validator.sh');
const INFRA = ['postgres', 'dynamodb', 'fauxqs', 'cognito'];

let validator = '';
let scratch = '';
const compose: ComposeFile = loadCompose();

/** Runs Debian's docker-compose 1.29.2 `config -q`: a schema check of the file, no engine involved. */
function composeConfig(file: string) {
  return spawnSync(validator, ['-f', file, 'config', '-q'], { encoding: 'utf8', cwd: REPO_ROOT });
}

beforeAll(() => {
  // Installs into .tools/compose on first use (apt-get download + dpkg-deb -x), then is a no-op.
  validator = execFileSync('bash', [INSTALLER], { encoding: 'utf8' }).trim().split('\n').at(-1)!;
  scratch = mkdtempSync(join(tmpdir(), 'cruddur-compose-'));
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
    expect(Object.keys(compose).filter((k) => !k.startsWith('x-'))).toEqual(['services', 'volumes']);
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
    expect(steps).toEqual(['db/migrate', 'ddb/schema-load', 'db/seed', 'ddb/seed']);
    for (const step of steps) expect(existsSync(join(REPO_ROOT, 'scripts', `${step}.ts`)), step).toBe(true);
  });

  it('the services start only after init succeeded; the gateway only after its upstreams are healthy', () => {
    for (const name of ['users', 'messaging', 'stream-consumer']) {
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

describe('each service environment satisfies that service config schema', () => {
  const schemas = {
    gateway: gatewayConfigSchema,
    users: usersConfigSchema,
    messaging: messagingConfigSchema,
    'stream-consumer': streamConsumerConfigSchema,
  } as const;
  for (const name of SERVICES) {
    it(name, () => {
      const result = schemas[name].safeParse(serviceEnv(compose, name));
      expect(result.error?.issues ?? []).toEqual([]);
      expect(result.success).toBe(true);
    });
  }
});
