import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, expect } from 'vitest';
import { parseAllDocuments } from 'yaml';
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
  workloadPods,
} from '../src/network-policy.ts';

/** Shared by the manifest tests: the rendered variants, the operator's Secrets, pod and policy helpers. */
export const SERVICES = ['gateway', 'users', 'messaging', 'stream-consumer'] as const;
export const PORTS = { gateway: 4567, users: 4571, messaging: 4572, 'stream-consumer': 4573 } as const;
export const SCHEMAS = {
  gateway: gatewayConfigSchema,
  users: usersConfigSchema,
  messaging: messagingConfigSchema,
  'stream-consumer': streamConsumerConfigSchema,
} as const;

export const rendered = {
  base: renderKustomization(join(K8S_DIR, 'base')),
  local: renderKustomization(join(K8S_DIR, 'overlays/local')),
};
export type Variant = keyof typeof rendered;
export const VARIANTS = Object.keys(rendered) as Variant[];

// biome-ignore lint/suspicious/noExplicitAny: rendered manifests are plain JSON; tests read nested fields freely
export type Any = any;
export const find = (objects: K8sObject[], kind: string, name: string): Any =>
  objects.find((o) => o.kind === kind && o.metadata.name === name);
export const containerOf = (objects: K8sObject[], name: string): Any =>
  find(objects, 'Deployment', name).spec.template.spec.containers.find((c: Any) => c.name === name);

/** The environment a service container starts with, resolved from its ConfigMap, literals, secrets and fields. */
export function containerEnv(objects: K8sObject[], name: string): Record<string, string> {
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

export const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;

export const REPO_ROOT = join(K8S_DIR, '../..');
export const NAMESPACE = 'cruddur';

/**
 * The Secrets the operator creates before applying (never in the manifests): the real output of
 * `scripts/ops/service-keys --k8s-secrets`, so the names and keys the pods mount are the ones the script makes.
 */
export const keysDir = mkdtempSync(join(tmpdir(), 'cruddur-k8s-keys-'));
export const operatorSecretsYaml = execFileSync(
  process.execPath,
  ['--import', 'tsx', 'scripts/ops/service-keys.ts', '--out', keysDir, '--k8s-secrets', NAMESPACE],
  { cwd: REPO_ROOT, encoding: 'utf8' },
);
export const operatorSecrets = parseAllDocuments(operatorSecretsYaml).map((d) => d.toJSON() as Any);
afterAll(() => rmSync(keysDir, { recursive: true, force: true }));

/** The secrets a pod template mounts, as `secret name -> keys`, from plain and projected secret volumes. */
export function mountedSecrets(podSpec: Any): Record<string, string[]> {
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
export function podFileReader(objects: K8sObject[], kind: string, name: string) {
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
export function privateKeyMaterial(text: string): boolean {
  const plain = (t: string) =>
    /"d"\s*:\s*"[A-Za-z0-9_-]{32,}"/.test(t) || /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(t);
  if (plain(text)) return true;
  return (text.match(/[A-Za-z0-9+/]{60,}={0,2}/g) ?? []).some((b64) =>
    plain(Buffer.from(b64, 'base64').toString('latin1')),
  );
}

/** Who else might try to connect: pods of other namespaces, Prometheus, a stray pod here, the internet. */
export const OUTSIDERS: Record<string, Endpoint> = {
  'other-namespace': pod('default', { 'app.kubernetes.io/name': 'debug' }),
  'ingress-controller': pod('ingress-nginx', { 'app.kubernetes.io/name': 'ingress-nginx' }),
  prometheus: pod('monitoring', { 'app.kubernetes.io/name': 'prometheus' }),
  'stray-pod': pod(NAMESPACE, { 'app.kubernetes.io/name': 'debug' }),
  internet: external('203.0.113.7'),
};
export const KUBE_DNS = pod('kube-system', { 'k8s-app': 'kube-dns' });
export const AWS_API = external('52.94.133.131');
export const POD_IDENTITY_AGENT = external('169.254.170.23');
export const DATABASE = external('10.0.12.34');
export const EMULATOR_PORTS = { postgres: 5432, dynamodb: 8000, fauxqs: 4566, cognito: 9229 } as const;

export function everyone(objects: K8sObject[]): Record<string, Endpoint> {
  return { ...workloadPods(objects), ...OUTSIDERS };
}

/**
 * Which side of a connection is asked: `both` (the connection passes), or one side alone, to check that each
 * side holds on its own (a too-wide ingress rule must not hide behind the callers' egress, nor the reverse).
 */
export type Side = 'both' | 'ingress' | 'egress';
export function allowed(
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
export function whoReaches(
  objects: K8sObject[],
  target: string,
  port: number,
  side: Side = 'both',
): string[] {
  const policies = networkPolicies(objects);
  const to = workloadPods(objects)[target]!;
  return Object.entries(everyone(objects))
    .filter(([name, from]) => name !== target && allowed(policies, side, from, to, port))
    .map(([name]) => name)
    .sort();
}

/** `whoReaches` with both sides, and with the receiver's ingress alone: the same, or one leans on the other. */
export function expectReachedBy(objects: K8sObject[], target: string, port: number, expected: string[]) {
  expect(whoReaches(objects, target, port), `${target}: connections`).toEqual([...expected].sort());
  expect(whoReaches(objects, target, port, 'ingress'), `${target}: ingress alone`).toEqual(
    [...expected].sort(),
  );
}

/** What workload `source` can open a connection to, among every pod at its port and the outside endpoints. */
export function whatReaches(objects: K8sObject[], source: string, side: Side = 'both'): string[] {
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
export function expectReaches(objects: K8sObject[], source: string, expected: string[]) {
  expect(whatReaches(objects, source), `${source}: connections`).toEqual([...expected].sort());
  expect(whatReaches(objects, source, 'egress'), `${source}: egress alone`).toEqual([...expected].sort());
}

export const AWS_EGRESS = ['aws:443', 'dns/tcp', 'dns/udp', 'pod-identity-agent'];
