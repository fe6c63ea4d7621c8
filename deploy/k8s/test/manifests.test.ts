import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCompose, serviceEnv } from '@cruddur/deploy-docker/compose';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { gatewayConfigSchema } from '../../../services/gateway/src/config.ts';
import { messagingConfigSchema } from '../../../services/messaging/src/config.ts';
import { streamConsumerConfigSchema } from '../../../services/stream-consumer/src/config.ts';
import { usersConfigSchema } from '../../../services/users/src/config.ts';
import { K8S_DIR, type K8sObject, renderKustomization } from '../src/kustomize.ts';
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

  it.each(SERVICES)('the %s environment satisfies that service config schema', (name) => {
    const result = SCHEMAS[name].safeParse(containerEnv(objects, name));
    expect(result.error?.issues ?? []).toEqual([]);
  });

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
    // The same one-shot steps as compose, in the tools image.
    for (const job of ['init', 'seed-messages']) {
      const container = find(objects, 'Job', job).spec.template.spec.containers[0];
      expect(container.command, job).toEqual(compose.services[job]!.command);
      expect(container.image, job).toBe('cruddur/tools:local');
    }
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
  });
});
