import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { loadCompose, serviceEnv } from '@cruddur/deploy-docker/compose';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { configProblems } from '../../../packages/config/src/index.ts';
import { generateServiceKey } from '../../../packages/service-auth/src/keys.ts';
import { gatewayConfigSchema } from '../../../services/gateway/src/config.ts';
import { messagingConfigSchema } from '../../../services/messaging/src/config.ts';
import { streamConsumerConfigSchema } from '../../../services/stream-consumer/src/config.ts';
import { usersConfigSchema } from '../../../services/users/src/config.ts';
import { K8S_DIR, type K8sObject, renderKustomization } from '../src/kustomize.ts';
import {
  canConnect,
  type Endpoint,
  egressAllowed,
  external,
  ingressAllowed,
  type NetworkPolicy,
  networkPolicies,
  type Protocol,
  pod,
  policiesFor,
  workloadPods,
} from '../src/network-policy.ts';
import { schemaErrors } from '../src/validate.ts';

const SERVICES = ['gateway', 'users', 'messaging', 'stream-consumer'] as const;
const PORTS = { gateway: 4567, users: 4571, messaging: 4572, 'stream-consumer': 4573 } as const;
const SCHEMAS = {
  gateway: gatewayConfigSchema,
  users: usersConfigSchema,
  messaging: messagingConfigSchema,
  'stream-consumer': streamConsumerConfigSchema,
} as const;

const rendered = {
  base: renderKustomization(join(K8S_DIR, 'base')),
  local: renderKustomization(join(K8S_DIR, 'overlays/local')),
};
type Variant = keyof typeof rendered;
const VARIANTS = Object.keys(rendered) as Variant[];

// biome-ignore lint/suspicious/noExplicitAny: rendered manifests are plain JSON; tests read nested fields freely
type Any = any;
const find = (objects: K8sObject[], kind: string, name: string): Any =>
  objects.find((o) => o.kind === kind && o.metadata.name === name);
const containerOf = (objects: K8sObject[], name: string): Any =>
  find(objects, 'Deployment', name).spec.template.spec.containers.find((c: Any) => c.name === name);

/** The environment a service container starts with, resolved from its ConfigMap, literals, secrets and fields. */
function containerEnv(objects: K8sObject[], name: string): Record<string, string> {
  const container = containerOf(objects, name);
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? [])
    Object.assign(env, find(objects, 'ConfigMap', from.configMapRef.name).data);
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.fieldRef) env[e.name] = `${name}-7d9f8b6c5d-x2x4q`;
    else if (e.valueFrom?.secretKeyRef) {
      const { name: secret, key } = e.valueFrom.secretKeyRef;
      const s = find(objects, 'Secret', secret);
      // The base leaves the secret to the cluster (created by the operator); a well-formed stand-in for it.
      env[e.name] = s
        ? Buffer.from(s.data[key], 'base64').toString()
        : 'postgres://user:secret@db.internal:5432/cruddur';
    }
  }
  return env;
}

const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;

const REPO_ROOT = join(K8S_DIR, '../..');
const NAMESPACE = 'cruddur';

/**
 * The Secrets the operator creates before applying (never in the manifests): the real output of
 * `scripts/ops/service-keys --k8s-secrets`, so the names and keys the pods mount are the ones the script makes.
 */
const keysDir = mkdtempSync(join(tmpdir(), 'cruddur-k8s-keys-'));
const operatorSecretsYaml = execFileSync(
  process.execPath,
  ['--import', 'tsx', 'scripts/ops/service-keys.ts', '--out', keysDir, '--k8s-secrets', NAMESPACE],
  { cwd: REPO_ROOT, encoding: 'utf8' },
);
const operatorSecrets = parseAllDocuments(operatorSecretsYaml).map((d) => d.toJSON() as Any);
afterAll(() => rmSync(keysDir, { recursive: true, force: true }));

/** The secrets a pod template mounts, as `secret name -> keys`, from plain and projected secret volumes. */
function mountedSecrets(podSpec: Any): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const add = (name: string, items: Any[] | undefined) => {
    out[name] = [...(out[name] ?? []), ...(items ?? [{ key: '*' }]).map((i: Any) => i.key)];
  };
  for (const v of podSpec.volumes ?? []) {
    if (v.secret) add(v.secret.secretName, v.secret.items);
    for (const source of v.projected?.sources ?? [])
      if (source.secret) add(source.secret.name, source.secret.items);
  }
  return out;
}

/**
 * Reads a file as the container would see it: a path under one of its secret mounts is served from the
 * operator's Secrets above (what the kubelet would project there); any other path does not exist.
 */
function podFileReader(objects: K8sObject[], kind: string, name: string) {
  const podSpec = find(objects, kind, name).spec.template.spec;
  const container = podSpec.containers.find((c: Any) => c.name === name);
  return (path: string): string => {
    for (const mount of container.volumeMounts ?? []) {
      if (!path.startsWith(`${mount.mountPath}/`)) continue;
      const file = relative(mount.mountPath, path);
      const volume = podSpec.volumes.find((v: Any) => v.name === mount.name);
      const sources = volume.secret
        ? [{ name: volume.secret.secretName, items: volume.secret.items }]
        : (volume.projected?.sources ?? []).flatMap((s: Any) => (s.secret ? [s.secret] : []));
      for (const source of sources) {
        const item = (source.items ?? []).find((i: Any) => i.path === file);
        const secret = operatorSecrets.find((o) => o.metadata.name === source.name);
        const data = item && secret?.data?.[item.key];
        if (data) return Buffer.from(data, 'base64').toString();
      }
    }
    throw Object.assign(new Error(`ENOENT ${path}`), { code: 'ENOENT' });
  };
}

/** Whether text holds private key material: a JWK's private part, a PEM private key, or either base64-encoded. */
function privateKeyMaterial(text: string): boolean {
  const plain = (t: string) =>
    /"d"\s*:\s*"[A-Za-z0-9_-]{32,}"/.test(t) || /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(t);
  if (plain(text)) return true;
  return (text.match(/[A-Za-z0-9+/]{60,}={0,2}/g) ?? []).some((b64) =>
    plain(Buffer.from(b64, 'base64').toString('latin1')),
  );
}

/** Who else might try to connect: pods of other namespaces, Prometheus, a stray pod here, the internet. */
const OUTSIDERS: Record<string, Endpoint> = {
  'other-namespace': pod('default', { 'app.kubernetes.io/name': 'debug' }),
  'ingress-controller': pod('ingress-nginx', { 'app.kubernetes.io/name': 'ingress-nginx' }),
  prometheus: pod('monitoring', { 'app.kubernetes.io/name': 'prometheus' }),
  'stray-pod': pod(NAMESPACE, { 'app.kubernetes.io/name': 'debug' }),
  internet: external('203.0.113.7'),
};
const KUBE_DNS = pod('kube-system', { 'k8s-app': 'kube-dns' });
const AWS_API = external('52.94.133.131');
const POD_IDENTITY_AGENT = external('169.254.170.23');
const DATABASE = external('10.0.12.34');
const EMULATOR_PORTS = { postgres: 5432, dynamodb: 8000, fauxqs: 4566, cognito: 9229 } as const;

describe.each(VARIANTS)('%s', (variant) => {
  const objects = rendered[variant];

  it.skipIf(!kubectl)('renders exactly as `kubectl kustomize` does (when kubectl is installed)', () => {
    const dir = join(K8S_DIR, variant === 'base' ? 'base' : 'overlays/local');
    const real = parseAllDocuments(execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' })).map(
      (d) => d.toJSON() as K8sObject,
    );
    const byId = (list: K8sObject[]) =>
      Object.fromEntries(list.map((o) => [`${o.kind}/${o.metadata.name}`, JSON.parse(JSON.stringify(o))]));
    expect(byId(objects)).toEqual(byId(real));
  });

  it('every object validates against its Kubernetes (or KEDA CRD) schema', () => {
    expect(objects.flatMap(schemaErrors)).toEqual([]);
  });

  it('every service Deployment has probes, requests and limits, a non-root read-only container and its own account', () => {
    for (const name of SERVICES) {
      const deployment = find(objects, 'Deployment', name);
      const pod = deployment.spec.template.spec;
      const c = containerOf(objects, name);
      expect(pod.serviceAccountName, name).toBe(name);
      expect(pod.securityContext.runAsNonRoot, name).toBe(true);
      expect(c.securityContext, name).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
      expect(c.livenessProbe.httpGet.path, name).toBe('/healthz');
      expect(c.readinessProbe.httpGet.path, name).toBe('/readyz');
      expect(c.startupProbe.httpGet.path, name).toBe('/healthz');
      expect(c.ports[0].containerPort, name).toBe(PORTS[name]);
      for (const kind of ['requests', 'limits']) {
        expect(c.resources[kind], `${name} ${kind}`).toHaveProperty('cpu');
        expect(c.resources[kind], `${name} ${kind}`).toHaveProperty('memory');
      }
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(15);
    }
  });

  it('every service has a PodDisruptionBudget that selects its pods', () => {
    for (const name of SERVICES) {
      const pdb = find(objects, 'PodDisruptionBudget', name);
      const labels = find(objects, 'Deployment', name).spec.template.metadata.labels;
      expect(pdb, name).toBeDefined();
      expect(labels).toMatchObject(pdb.spec.selector.matchLabels);
      expect(pdb.spec.maxUnavailable ?? pdb.spec.minAvailable).toBeDefined();
    }
  });

  it('each worker replica gets a unique WORKER_ID from its pod name; no fixed one anywhere', () => {
    const c = containerOf(objects, 'stream-consumer');
    expect(c.env.find((e: Any) => e.name === 'WORKER_ID').valueFrom.fieldRef.fieldPath).toBe('metadata.name');
    expect(find(objects, 'ConfigMap', 'cruddur-config').data).not.toHaveProperty('WORKER_ID');
  });

  it.each(SERVICES)(
    'the %s environment satisfies that service config schema (keys from the Secrets)',
    (name) => {
      const issues = configProblems(
        SCHEMAS[name],
        containerEnv(objects, name),
        podFileReader(objects, 'Deployment', name),
      );
      expect(issues).toEqual([]);
    },
  );

  it('Services route to the pods and ports of their Deployments', () => {
    for (const name of SERVICES) {
      const svc = find(objects, 'Service', name);
      expect(find(objects, 'Deployment', name).spec.template.metadata.labels).toMatchObject(
        svc.spec.selector,
      );
      expect(svc.spec.ports[0].targetPort).toBe('http');
    }
  });
});

/** Every pod the rendered manifests run, plus the outsiders: all who might try to connect. */
function everyone(objects: K8sObject[]): Record<string, Endpoint> {
  return { ...workloadPods(objects), ...OUTSIDERS };
}

/**
 * Which side of a connection is asked: `both` (the connection passes), or one side alone, to check that each
 * side holds on its own (a too-wide ingress rule must not hide behind the callers' egress, nor the reverse).
 */
type Side = 'both' | 'ingress' | 'egress';
function allowed(
  policies: NetworkPolicy[],
  side: Side,
  from: Endpoint,
  to: Endpoint,
  port: number,
  protocol: Protocol = 'TCP',
): boolean {
  if (side === 'ingress') return ingressAllowed(policies, from, to, port, protocol);
  if (side === 'egress') return egressAllowed(policies, from, to, port, protocol);
  return canConnect(policies, from, to, port, protocol);
}

/** Who can connect to workload `target` on `port`. */
function whoReaches(objects: K8sObject[], target: string, port: number, side: Side = 'both'): string[] {
  const policies = networkPolicies(objects);
  const to = workloadPods(objects)[target]!;
  return Object.entries(everyone(objects))
    .filter(([name, from]) => name !== target && allowed(policies, side, from, to, port))
    .map(([name]) => name)
    .sort();
}

/** `whoReaches` with both sides, and with the receiver's ingress alone: the same, or one leans on the other. */
function expectReachedBy(objects: K8sObject[], target: string, port: number, expected: string[]) {
  expect(whoReaches(objects, target, port), `${target}: connections`).toEqual([...expected].sort());
  expect(whoReaches(objects, target, port, 'ingress'), `${target}: ingress alone`).toEqual(
    [...expected].sort(),
  );
}

/** What workload `source` can open a connection to, among every pod at its port and the outside endpoints. */
function whatReaches(objects: K8sObject[], source: string, side: Side = 'both'): string[] {
  const policies = networkPolicies(objects);
  const from = workloadPods(objects)[source]!;
  const ports: Record<string, number> = { ...PORTS, ...EMULATOR_PORTS };
  const targets: [string, Endpoint, number, Protocol][] = [
    ...Object.entries(workloadPods(objects))
      .filter(([name]) => name !== source && ports[name] !== undefined)
      .map(([name, to]): [string, Endpoint, number, Protocol] => [name, to, ports[name]!, 'TCP']),
    ['dns/udp', KUBE_DNS, 53, 'UDP'],
    ['dns/tcp', KUBE_DNS, 53, 'TCP'],
    ['aws:443', AWS_API, 443, 'TCP'],
    ['aws:80', AWS_API, 80, 'TCP'],
    ['pod-identity-agent', POD_IDENTITY_AGENT, 80, 'TCP'],
    ['database', DATABASE, 5432, 'TCP'],
    ['internet:22', OUTSIDERS.internet!, 22, 'TCP'],
  ];
  return targets
    .filter(([, to, port, protocol]) => allowed(policies, side, from, to, port, protocol))
    .map(([name]) => name)
    .sort();
}

/** `whatReaches` with both sides, and with the sender's egress alone. */
function expectReaches(objects: K8sObject[], source: string, expected: string[]) {
  expect(whatReaches(objects, source), `${source}: connections`).toEqual([...expected].sort());
  expect(whatReaches(objects, source, 'egress'), `${source}: egress alone`).toEqual([...expected].sort());
}

const AWS_EGRESS = ['aws:443', 'dns/tcp', 'dns/udp', 'pod-identity-agent'];

describe.each(VARIANTS)('%s: trust between services', (variant) => {
  const objects = rendered[variant];
  const policies = networkPolicies(objects);
  const local = variant === 'local';

  it('a default-deny policy selects every pod, in both directions', () => {
    const denyAll = policies.filter(
      (p) =>
        Object.keys(p.spec.podSelector).length === 0 &&
        ['Ingress', 'Egress'].every((t) => p.spec.policyTypes?.includes(t as never)) &&
        !p.spec.ingress &&
        !p.spec.egress,
    );
    expect(denyAll.map((p) => p.metadata.name)).toEqual(['default-deny']);
    const pods = { ...workloadPods(objects), 'stray-pod': OUTSIDERS['stray-pod']! };
    for (const [name, endpoint] of Object.entries(pods)) {
      expect(policiesFor(denyAll, endpoint, 'Ingress'), name).toHaveLength(1);
      expect(policiesFor(denyAll, endpoint, 'Egress'), name).toHaveLength(1);
    }
    // A pod no other policy names can reach nothing but DNS, and nothing here reaches it.
    const stray = OUTSIDERS['stray-pod']!;
    for (const [name, other] of Object.entries(workloadPods(objects))) {
      const port = ({ ...PORTS, ...EMULATOR_PORTS } as Record<string, number>)[name] ?? 80;
      if (name !== 'gateway')
        expect(canConnect(policies, stray, other, port), `stray -> ${name}`).toBe(false);
      expect(canConnect(policies, other, stray, 8080), `${name} -> stray`).toBe(false);
    }
    expect(canConnect(policies, stray, KUBE_DNS, 53, 'UDP')).toBe(true);
  });

  it('users accepts only the gateway and messaging (plus Prometheus for /metrics)', () => {
    expectReachedBy(objects, 'users', PORTS.users, [
      'gateway',
      'messaging',
      'prometheus',
      ...(local ? ['seed-messages'] : []),
    ]);
  });

  it('messaging accepts only the gateway (plus Prometheus); the stream workers accept only Prometheus', () => {
    expectReachedBy(objects, 'messaging', PORTS.messaging, ['gateway', 'prometheus']);
    expectReachedBy(objects, 'stream-consumer', PORTS['stream-consumer'], ['prometheus']);
  });

  it('the gateway accepts anyone on its port, and nothing on any other', () => {
    const to = workloadPods(objects).gateway!;
    for (const [name, from] of Object.entries(everyone(objects))) {
      expect(ingressAllowed(policies, from, to, PORTS.gateway), name).toBe(true);
      expect(ingressAllowed(policies, from, to, 9090), `${name} on 9090`).toBe(false);
    }
  });

  it('each service reaches only what it calls', () => {
    const emulators = (...names: string[]) => (local ? names : []);
    expectReaches(objects, 'gateway', [
      ...AWS_EGRESS,
      'users',
      'messaging',
      ...emulators('fauxqs', 'cognito'),
    ]);
    expectReaches(objects, 'messaging', [...AWS_EGRESS, 'users', ...emulators('dynamodb', 'fauxqs')]);
    expectReaches(objects, 'users', [...AWS_EGRESS, 'database', ...emulators('postgres', 'fauxqs')]);
    expectReaches(objects, 'stream-consumer', [...AWS_EGRESS, ...emulators('dynamodb', 'fauxqs')]);
  });

  it('Prometheus is let in from the monitoring namespace only, by its label', () => {
    const scrape = policies.filter((p) =>
      (p.spec.ingress ?? []).some((r) => (r.from ?? []).some((peer) => peer.namespaceSelector)),
    );
    expect(scrape.map((p) => p.metadata.name)).toEqual(['metrics-scrape-ingress']);
    const to = workloadPods(objects).users!;
    const lookalike = pod('default', { 'app.kubernetes.io/name': 'prometheus' });
    expect(canConnect(policies, lookalike, to, PORTS.users)).toBe(false);
  });

  it('every service Deployment listens on 0.0.0.0 (HOST), set on the Deployment itself', () => {
    const ours = objects.filter(
      (o: Any) =>
        o.kind === 'Deployment' &&
        o.spec.template.spec.containers.some((c: Any) => String(c.image).startsWith('cruddur/')),
    );
    expect(ours.map((o) => o.metadata.name).sort()).toEqual([...SERVICES].sort());
    for (const name of SERVICES) {
      const env = containerOf(objects, name).env as Any[];
      expect(env.find((e) => e.name === 'HOST')?.value, name).toBe('0.0.0.0');
    }
  });

  it('each pod mounts only the key Secrets of its role, read-only, from Secrets the operator creates', () => {
    const mounted = (kind: string, name: string) =>
      mountedSecrets(find(objects, kind, name).spec.template.spec);
    expect(mounted('Deployment', 'gateway')).toEqual({ 'cruddur-gateway-signing-key': ['gateway.jwk'] });
    expect(mounted('Deployment', 'users')).toEqual({ 'cruddur-service-public-keys': ['public.jwks'] });
    expect(mounted('Deployment', 'messaging')).toEqual({
      'cruddur-messaging-signing-key': ['messaging.jwk'],
      'cruddur-service-public-keys': ['public.jwks'],
    });
    expect(mounted('Deployment', 'stream-consumer')).toEqual({});
    if (local) {
      expect(mounted('Job', 'seed-messages')).toEqual({ 'cruddur-ops-signing-key': ['ops.jwk'] });
      expect(mounted('Job', 'init')).toEqual({});
    }
    // What the pods mount is exactly what the script creates; the manifests carry none of it.
    const created = Object.fromEntries(operatorSecrets.map((o) => [o.metadata.name, Object.keys(o.data)]));
    for (const o of objects.filter((x: Any) => x.spec?.template?.spec)) {
      for (const [secret, keys] of Object.entries(mountedSecrets((o as Any).spec.template.spec))) {
        if (!secret.startsWith('cruddur-')) continue;
        expect(created[secret], `${o.metadata.name}: ${secret}`).toEqual(expect.arrayContaining(keys));
        expect(find(objects, 'Secret', secret), `${secret} must not be rendered`).toBeUndefined();
      }
      for (const c of (o as Any).spec.template.spec.containers) {
        for (const m of c.volumeMounts ?? []) {
          if (m.name === 'service-keys') expect(m.readOnly, `${o.metadata.name} ${m.mountPath}`).toBe(true);
        }
      }
    }
    // Same file names as the compose keys volume.
    expect(containerEnv(objects, 'gateway').SERVICE_AUTH_PRIVATE_KEY_FILE).toBe('/keys/gateway.jwk');
    expect(containerEnv(objects, 'users').SERVICE_AUTH_PUBLIC_KEYS_FILE).toBe('/keys/public.jwks');
  });

  it('without the Secrets a service cannot start (so the schema checks with them mean something)', () => {
    const readsNothing = () => {
      throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    };
    expect(configProblems(SCHEMAS.gateway, containerEnv(objects, 'gateway'), readsNothing).join()).toMatch(
      /SERVICE_AUTH_PRIVATE_KEY_FILE: cannot read/,
    );
    // users would refuse the gateway's private key where its trusted set belongs.
    const swapped = { ...containerEnv(objects, 'users'), SERVICE_AUTH_PUBLIC_KEYS_FILE: '/keys/gateway.jwk' };
    expect(
      configProblems(SCHEMAS.users, swapped, podFileReader(objects, 'Deployment', 'gateway')),
    ).not.toEqual([]);
  });

  it('no private key material in the manifests', () => {
    expect(privateKeyMaterial(JSON.stringify(objects))).toBe(false);
  });

  it('messaging re-reads profiles from the users Service; poisoned events have a dead-letter queue', () => {
    const env = containerEnv(objects, 'messaging');
    const users = find(objects, 'Service', 'users');
    expect(env.USERS_URL).toBe(`http://users:${users.spec.ports[0].port}`);
    expect(env.USERS_EVENTS_DLQ_URL).toMatch(/\/users-events-dlq$/);
  });
});

describe('trust: base (production) and local differ only where they must', () => {
  it('the base gateway does not trust a local Cognito (no AUTH_LOCAL_TRUST anywhere); the local one does', () => {
    const base = rendered.base;
    expect(JSON.stringify(base)).not.toContain('AUTH_LOCAL_TRUST');
    expect(containerEnv(base, 'gateway')).not.toHaveProperty('AUTH_LOCAL_TRUST');
    expect(containerEnv(rendered.local, 'gateway').AUTH_LOCAL_TRUST).toBe('true');
    // Only the gateway, and only through its own Deployment (not the shared ConfigMap).
    expect(find(rendered.local, 'ConfigMap', 'cruddur-config').data).not.toHaveProperty('AUTH_LOCAL_TRUST');
    for (const name of SERVICES.filter((n) => n !== 'gateway')) {
      expect(containerEnv(rendered.local, name), name).not.toHaveProperty('AUTH_LOCAL_TRUST');
    }
  });

  it('locally each emulator accepts only the pods that use it', () => {
    const local = rendered.local;
    expectReachedBy(local, 'postgres', EMULATOR_PORTS.postgres, ['init', 'users']);
    expectReachedBy(local, 'dynamodb', EMULATOR_PORTS.dynamodb, [
      'init',
      'messaging',
      'seed-messages',
      'stream-consumer',
    ]);
    expectReachedBy(local, 'fauxqs', EMULATOR_PORTS.fauxqs, [
      'gateway',
      'messaging',
      'stream-consumer',
      'users',
    ]);
    expectReachedBy(local, 'cognito', EMULATOR_PORTS.cognito, ['gateway', 'init']);
    // The one-shots reach what their steps use, and the emulators reach nothing but DNS.
    expectReaches(local, 'init', ['cognito', 'dns/tcp', 'dns/udp', 'dynamodb', 'postgres']);
    expectReaches(local, 'seed-messages', ['dns/tcp', 'dns/udp', 'dynamodb', 'users']);
    for (const emulator of Object.keys(EMULATOR_PORTS))
      expectReaches(local, emulator, ['dns/tcp', 'dns/udp']);
  });

  it('the repository holds no private key (tracked files), and the detector finds one when there is', async () => {
    const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: REPO_ROOT, encoding: 'utf8' })
      .split('\0')
      .filter((f) => f && !f.endsWith('pnpm-lock.yaml'));
    expect(tracked.length).toBeGreaterThan(50);
    const offenders = tracked.filter((f) => {
      try {
        return privateKeyMaterial(readFileSync(join(REPO_ROOT, f), 'latin1'));
      } catch {
        return false;
      }
    });
    expect(offenders).toEqual([]);
    // The Secrets the operator applies hold private keys (base64); a JWK in plain text is caught too.
    expect(privateKeyMaterial(operatorSecretsYaml)).toBe(true);
    const { privateKey } = await generateServiceKey('gateway');
    expect(privateKeyMaterial(JSON.stringify(privateKey))).toBe(true);
    expect(privateKeyMaterial(JSON.stringify({ ...privateKey, d: undefined }))).toBe(false);
  });

  it('the policy checks can fail: a wider rule or a missing deny shows up', () => {
    const base = rendered.base;
    const widen = (mutate: (policies: NetworkPolicy[]) => void) => {
      const copy = structuredClone(base);
      mutate(networkPolicies(copy));
      return copy;
    };
    const openUsers = widen((ps) => {
      ps.find((p) => p.metadata.name === 'users-ingress')!.spec.ingress![0]!.from!.push({
        namespaceSelector: {},
      });
    });
    expect(whoReaches(openUsers, 'users', PORTS.users)).toContain('other-namespace');
    // Without the default deny, what no other policy selects for ingress is open: a stray pod, the Jobs.
    const stray = OUTSIDERS['stray-pod']!;
    const outsider = OUTSIDERS['other-namespace']!;
    const noDeny = (objects: K8sObject[]) => objects.filter((o) => o.metadata.name !== 'default-deny');
    expect(canConnect(networkPolicies(base), outsider, stray, 8080)).toBe(false);
    expect(canConnect(networkPolicies(noDeny(base)), outsider, stray, 8080)).toBe(true);
    const init = workloadPods(rendered.local).init!;
    expect(canConnect(networkPolicies(rendered.local), outsider, init, 8080)).toBe(false);
    expect(canConnect(networkPolicies(noDeny(rendered.local)), outsider, init, 8080)).toBe(true);
    const anyPort = widen((ps) => {
      delete ps.find((p) => p.metadata.name === 'messaging-ingress')!.spec.ingress![0]!.ports;
    });
    expect(
      ingressAllowed(
        networkPolicies(anyPort),
        workloadPods(base).gateway!,
        workloadPods(base).messaging!,
        22,
      ),
    ).toBe(true);
    expect(
      egressAllowed(networkPolicies(base), workloadPods(base).users!, workloadPods(base).messaging!, 4572),
    ).toBe(false);
  });
});

describe('autoscaling (base: production)', () => {
  const objects = rendered.base;
  const targets = (kind: string) =>
    objects.filter((o) => o.kind === kind).map((o: Any) => o.spec.scaleTargetRef.name as string);

  it('the stream workers scale with KEDA on open shards and on lag from /metrics', () => {
    const so = find(objects, 'ScaledObject', 'stream-consumer');
    expect(so.spec.scaleTargetRef.name).toBe('stream-consumer');
    const triggers = Object.fromEntries(so.spec.triggers.map((t: Any) => [t.type, t]));
    expect(triggers['aws-dynamodb-streams'].metadata).toMatchObject({ tableName: 'cruddur-messages' });
    expect(triggers['aws-dynamodb-streams'].authenticationRef.name).toBe('aws-workload-identity');
    expect(triggers.prometheus.metadata.query).toContain('stream_consumer_shard_lag_ms');
    expect(so.spec.minReplicaCount).toBeGreaterThanOrEqual(1);
    // The lag metric the query reads is the one the worker exports.
    const metrics = readFileSync(join(K8S_DIR, '../../services/stream-consumer/src/metrics.ts'), 'utf8');
    expect(metrics).toContain("'stream_consumer_shard_lag_ms'");
  });

  it('messaging scales on CPU and on the users-events queue depth, read from its own environment', () => {
    const so = find(objects, 'ScaledObject', 'messaging');
    const sqs = so.spec.triggers.find((t: Any) => t.type === 'aws-sqs-queue');
    expect(sqs.metadata.queueURLFromEnv).toBe('USERS_EVENTS_QUEUE_URL');
    expect(containerEnv(objects, 'messaging')).toHaveProperty('USERS_EVENTS_QUEUE_URL');
    expect(so.spec.triggers.map((t: Any) => t.type)).toContain('cpu');
  });

  it('gateway and users scale on CPU; no Deployment has two autoscalers', () => {
    expect(targets('HorizontalPodAutoscaler').sort()).toEqual(['gateway', 'users']);
    const all = [...targets('HorizontalPodAutoscaler'), ...targets('ScaledObject')];
    expect(new Set(all).size).toBe(all.length);
    expect(all.sort()).toEqual([...SERVICES].sort());
  });

  it('the KEDA authentication uses the workload role (EKS Pod Identity), not keys', () => {
    expect(find(objects, 'TriggerAuthentication', 'aws-workload-identity').spec.podIdentity).toEqual({
      provider: 'aws',
      identityOwner: 'workload',
    });
    expect(JSON.stringify(objects)).not.toMatch(/AWS_SECRET_ACCESS_KEY|awsAccessKeyID/);
  });
});

describe('monitoring (base: production)', () => {
  const objects = rendered.base;

  it('one PodMonitor scrapes /metrics on the named port of every service pod', () => {
    const monitor = find(objects, 'PodMonitor', 'cruddur');
    const [endpoint, ...more] = monitor.spec.podMetricsEndpoints;
    expect(more).toEqual([]);
    expect(endpoint).toMatchObject({ port: 'http', path: '/metrics' });
    const [selector] = monitor.spec.selector.matchExpressions;
    expect(selector).toMatchObject({ key: 'app.kubernetes.io/name', operator: 'In' });
    for (const name of SERVICES) {
      const labels = find(objects, 'Deployment', name).spec.template.metadata.labels;
      expect(selector.values, name).toContain(labels[selector.key]);
      const ports = containerOf(objects, name).ports.map((p: Any) => p.name);
      expect(ports, name).toContain(endpoint.port);
    }
  });

  it('the alert rules are one PrometheusRule in the base, every alert with a severity and a summary', () => {
    const rule = find(objects, 'PrometheusRule', 'cruddur');
    const alerts = rule.spec.groups.flatMap((g: Any) => g.rules);
    expect(alerts.map((a: Any) => a.alert).sort()).toEqual([
      'DeadLetterDepthUnreadable',
      'DeadLetterQueueNotEmpty',
      'HttpErrorRatioHigh',
      'OutboxBacklogGrowing',
      'OutboxPublishFailing',
      'StreamConsumerLagHigh',
      'StreamWorkersAbsent',
    ]);
    for (const alert of alerts) {
      expect(['warning', 'critical'], alert.alert).toContain(alert.labels.severity);
      expect(alert.annotations.summary, alert.alert).toBeTruthy();
    }
  });
});

describe.each(VARIANTS)('%s: scrape annotations', (variant) => {
  it('every service pod is annotated for annotation-based scrapers, on its own port', () => {
    for (const name of SERVICES) {
      const annotations = find(rendered[variant], 'Deployment', name).spec.template.metadata.annotations;
      expect(annotations, name).toEqual({
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': String(PORTS[name]),
        'prometheus.io/path': '/metrics',
      });
    }
  });
});

describe('local overlay', () => {
  const objects = rendered.local;
  const compose = loadCompose();

  it('runs the compose images and emulators under the compose service names', () => {
    for (const name of SERVICES) expect(containerOf(objects, name).image).toBe(`cruddur/${name}:local`);
    for (const name of ['postgres', 'dynamodb', 'fauxqs', 'cognito']) {
      expect(find(objects, 'Service', name), name).toBeDefined();
      expect(find(objects, 'Deployment', name).spec.template.spec.containers[0].image).toBe(
        compose.services[name]!.image,
      );
    }
    // The same one-shot steps as compose, in the tools image; but no key step: here the keys are Secrets.
    for (const job of ['init', 'seed-messages']) {
      const container = find(objects, 'Job', job).spec.template.spec.containers[0];
      const steps = (compose.services[job]!.command as string[]).filter(
        (s) => !s.startsWith('ops/service-keys'),
      );
      expect(container.command, job).toEqual(steps);
      expect(container.image, job).toBe('cruddur/tools:local');
    }
    expect(compose.services.init!.command).toContain('ops/service-keys --out /keys');
  });

  it('uses the same endpoints, queues and Cognito pool as docker-compose.yml', () => {
    for (const name of SERVICES) {
      const k8s = containerEnv(objects, name);
      for (const [key, value] of Object.entries(serviceEnv(compose, name))) {
        if (['PORT', 'LOG_LEVEL', 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'].includes(key)) continue;
        expect(k8s[key], `${name} ${key}`).toBe(value);
      }
    }
  });

  it('mounts the very same fauxqs init and Cognito state files as compose', () => {
    const data = (cm: string) => find(objects, 'ConfigMap', cm).data;
    const docker = (p: string) => readFileSync(join(K8S_DIR, '../docker', p), 'utf8');
    expect(data('fauxqs-init')['init.json']).toBe(docker('fauxqs-init.json'));
    expect(data('cognito-seed')['config.json']).toBe(docker('cognito/config.json'));
    expect(data('cognito-seed')['local_Cruddur1.json']).toBe(docker('cognito/db/local_Cruddur1.json'));
    expect(data('cognito-seed')['clients.json']).toBe(docker('cognito/db/clients.json'));
  });

  it('has no autoscalers (local clusters lack KEDA) and two workers to share the shards', () => {
    expect(
      objects.filter((o) =>
        ['ScaledObject', 'HorizontalPodAutoscaler', 'TriggerAuthentication'].includes(o.kind),
      ),
    ).toEqual([]);
    // Nor the Prometheus Operator's kinds, which a local cluster would refuse.
    expect(objects.filter((o) => o.apiVersion.startsWith('monitoring.coreos.com/'))).toEqual([]);
    expect(find(objects, 'Deployment', 'stream-consumer').spec.replicas).toBe(2);
  });
});

describe('the checks can fail', () => {
  it('schema validation rejects a malformed Deployment and an unknown kind', () => {
    const bad = structuredClone(find(rendered.base, 'Deployment', 'gateway'));
    bad.spec.replicas = 'two';
    expect(schemaErrors(bad).join()).toMatch(/replicas/);
    expect(
      schemaErrors({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }),
    ).toHaveLength(1);
    const so = structuredClone(find(rendered.base, 'ScaledObject', 'stream-consumer'));
    delete so.spec.scaleTargetRef;
    expect(schemaErrors(so).join()).toMatch(/scaleTargetRef/);
    const rule = structuredClone(find(rendered.base, 'PrometheusRule', 'cruddur'));
    delete rule.spec.groups[0].rules[0].expr;
    expect(schemaErrors(rule).join()).toMatch(/expr/);
  });
});
