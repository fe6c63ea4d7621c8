import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configProblems } from '../../../packages/config/src/index.ts';
import { generateServiceKey } from '../../../packages/service-auth/src/keys.ts';
import type { K8sObject } from '../src/kustomize.ts';
import {
  canConnect,
  egressAllowed,
  ingressAllowed,
  type NetworkPolicy,
  networkPolicies,
  pod,
  policiesFor,
  workloadPods,
} from '../src/network-policy.ts';

import {
  type Any,
  AWS_EGRESS,
  containerEnv,
  containerOf,
  EMULATOR_PORTS,
  everyone,
  expectReachedBy,
  expectReaches,
  find,
  KUBE_DNS,
  mountedSecrets,
  OUTSIDERS,
  operatorSecrets,
  operatorSecretsYaml,
  PORTS,
  podFileReader,
  privateKeyMaterial,
  REPO_ROOT,
  rendered,
  SCHEMAS,
  SERVICES,
  VARIANTS,
  whoReaches,
} from './support.ts';

/** Who may reach whom, which Secrets each pod mounts, and what the production base may not hold. */
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
