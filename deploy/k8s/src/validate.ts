import { ScaledObject, TriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { PodMonitor, PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Job } from 'kubernetes-models/batch/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import {
  ConfigMap,
  Namespace,
  PersistentVolumeClaim,
  Secret,
  Service,
  ServiceAccount,
} from 'kubernetes-models/v1';
import type { K8sObject } from './kustomize.ts';

interface Model {
  validate(): void;
}
type ModelClass = new (data: never) => Model;

/**
 * The schema of every kind these manifests use: the Kubernetes OpenAPI schemas (kubernetes-models) and the CRD
 * schemas of KEDA and the Prometheus Operator (@kubernetes-models/keda, /prometheus-operator), compiled
 * validators shipped in the npm packages, so this runs offline.
 */
const MODELS: Record<string, ModelClass> = {
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
  'keda.sh/v1alpha1/TriggerAuthentication': TriggerAuthentication,
  'monitoring.coreos.com/v1/PodMonitor': PodMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
} as unknown as Record<string, ModelClass>;

/** Schema errors of one object (empty when valid); an unknown apiVersion/kind is an error too. */
export function schemaErrors(o: K8sObject): string[] {
  const Model = MODELS[`${o.apiVersion}/${o.kind}`];
  if (!Model) return [`${o.apiVersion}/${o.kind} ${o.metadata?.name}: no schema for this kind`];
  try {
    new Model(structuredClone(o) as never).validate();
    return [];
  } catch (err) {
    return [`${o.kind}/${o.metadata.name}: ${(err as Error).message}`];
  }
}
