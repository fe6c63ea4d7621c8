import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCompose, serviceEnv } from '@cruddur/deploy-docker/compose';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { configProblems } from '../../../packages/config/src/index.ts';
import { K8S_DIR, type K8sObject } from '../src/kustomize.ts';
import { schemaErrors } from '../src/validate.ts';

import {
  type Any,
  containerEnv,
  containerOf,
  find,
  kubectl,
  PORTS,
  podFileReader,
  rendered,
  SCHEMAS,
  SERVICES,
  VARIANTS,
} from './support.ts';

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
