import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** A Kubernetes object as rendered: plain JSON. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

type Json = unknown;
type JsonObject = Record<string, Json>;

interface Generator {
  name: string;
  behavior?: 'create' | 'merge' | 'replace';
  literals?: string[];
  envs?: string[];
  files?: string[];
}

interface Kustomization {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  labels?: { pairs: Record<string, string>; includeSelectors?: boolean; includeTemplates?: boolean }[];
  resources?: string[];
  configMapGenerator?: Generator[];
  secretGenerator?: Generator[];
  generatorOptions?: { disableNameSuffixHash?: boolean };
  images?: { name: string; newName?: string; newTag?: string }[];
  replicas?: { name: string; count: number }[];
  patches?: { path: string }[];
}

/** The kustomization fields this renderer implements; anything else is refused rather than silently ignored. */
const SUPPORTED = new Set([
  'apiVersion',
  'kind',
  'namespace',
  'labels',
  'resources',
  'configMapGenerator',
  'secretGenerator',
  'generatorOptions',
  'images',
  'replicas',
  'patches',
]);

/** Kinds that are not namespaced among those this project uses. */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
]);

const isObject = (v: Json): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const idOf = (o: K8sObject) => `${o.kind}/${o.metadata.name}`;

function readYamlDocuments(path: string): JsonObject[] {
  return parseAllDocuments(readFileSync(path, 'utf8'))
    .map((d) => {
      if (d.errors.length > 0) throw new Error(`${path}: ${d.errors[0]!.message}`);
      return d.toJSON() as Json;
    })
    .filter(isObject);
}

/** KEY=value lines (blank lines and # comments skipped), as kustomize reads `envs:` files. */
function readEnvFile(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const eq = trimmed.indexOf('=');
    if (eq <= 0) throw new Error(`${path}: not KEY=value: ${line}`);
    out[trimmed.slice(0, eq)] = trimmed.slice(eq + 1);
  }
  return out;
}

function generatorData(dir: string, g: Generator): Record<string, string> {
  const data: Record<string, string> = {};
  for (const env of g.envs ?? []) Object.assign(data, readEnvFile(join(dir, env)));
  for (const literal of g.literals ?? []) {
    const eq = literal.indexOf('=');
    data[literal.slice(0, eq)] = literal.slice(eq + 1);
  }
  for (const file of g.files ?? []) {
    const [key, path] = file.includes('=')
      ? (file.split('=', 2) as [string, string])
      : [basename(file), file];
    data[key] = readFileSync(join(dir, path), 'utf8');
  }
  return data;
}

/**
 * Strategic merge, as kustomize applies it for the fields used here: maps merge recursively, lists of objects
 * with a `name` merge item by item (containers, env, ports, volumes), other lists are replaced, and
 * `$patch: delete` on a list item removes it. As in kustomize, the merged list holds the patch's items first,
 * in the patch's order, then the items only the target has (so a patch that adds an env variable puts it first).
 */
export function strategicMerge(target: Json, patch: Json): Json {
  if (isObject(target) && isObject(patch)) {
    const out: JsonObject = { ...target };
    for (const [key, value] of Object.entries(patch)) {
      if (value === null) delete out[key];
      else out[key] = key in target ? strategicMerge(target[key], value) : value;
    }
    return out;
  }
  if (Array.isArray(target) && Array.isArray(patch) && patch.every((p) => isObject(p) && 'name' in p)) {
    const items = patch as JsonObject[];
    const named = (name: Json) =>
      target.find((t) => isObject(t) && t.name === name) as JsonObject | undefined;
    const merged = items
      .filter((item) => item.$patch !== 'delete')
      .map((item) => {
        const existing = named(item.name);
        return existing ? (strategicMerge(existing, item) as JsonObject) : item;
      });
    const untouched = target.filter((t) => !(isObject(t) && items.some((item) => item.name === t.name)));
    return [...merged, ...untouched];
  }
  return patch;
}

function podSpecs(o: K8sObject): JsonObject[] {
  const spec = o.spec as JsonObject | undefined;
  const template = spec?.template as JsonObject | undefined;
  const podSpec = template?.spec;
  return isObject(podSpec) ? [podSpec] : [];
}

function setImages(o: K8sObject, images: NonNullable<Kustomization['images']>) {
  for (const podSpec of podSpecs(o)) {
    for (const list of ['containers', 'initContainers'] as const) {
      for (const c of (podSpec[list] ?? []) as JsonObject[]) {
        const image = String(c.image);
        const name = image.replace(/[:@].*$/, '');
        const rule = images.find((i) => i.name === name);
        if (!rule) continue;
        const tag = image.slice(name.length);
        c.image = `${rule.newName ?? name}${rule.newTag ? `:${rule.newTag}` : tag}`;
      }
    }
  }
}

/**
 * Renders a kustomization directory the way `kustomize build` does for the features this project uses
 * (resources, namespace, labels, generators without hash suffixes, images, replicas, strategic-merge patches).
 * Exists because no kustomize binary installs from npm or Debian; the test suite compares it with
 * `kubectl kustomize` wherever kubectl is installed.
 */
export function renderKustomization(dir: string): K8sObject[] {
  const file = ['kustomization.yaml', 'kustomization.yml', 'Kustomization']
    .map((f) => join(dir, f))
    .find(existsSync);
  if (!file) throw new Error(`${dir}: no kustomization.yaml`);
  const [k] = readYamlDocuments(file) as Kustomization[];
  if (!k) throw new Error(`${file}: empty`);
  const unknown = Object.keys(k).filter((key) => !SUPPORTED.has(key));
  if (unknown.length > 0) throw new Error(`${file}: unsupported fields ${unknown.join(', ')}`);
  const generators = [...(k.configMapGenerator ?? []), ...(k.secretGenerator ?? [])];
  if (generators.length > 0 && !k.generatorOptions?.disableNameSuffixHash) {
    throw new Error(
      `${file}: name suffix hashes are not implemented; set generatorOptions.disableNameSuffixHash`,
    );
  }

  let objects: K8sObject[] = [];
  const add = (o: K8sObject, source: string) => {
    if (!o.apiVersion || !o.kind || !o.metadata?.name)
      throw new Error(`${source}: apiVersion, kind and metadata.name are required`);
    if (objects.some((x) => idOf(x) === idOf(o))) throw new Error(`${source}: ${idOf(o)} defined twice`);
    objects.push(o);
  };

  for (const entry of k.resources ?? []) {
    const path = resolve(dir, entry);
    if (statSync(path).isDirectory()) for (const o of renderKustomization(path)) add(o, path);
    else for (const o of readYamlDocuments(path)) add(o as unknown as K8sObject, path);
  }

  for (const [kind, list] of [
    ['ConfigMap', k.configMapGenerator ?? []],
    ['Secret', k.secretGenerator ?? []],
  ] as const) {
    for (const g of list) {
      const data = generatorData(dir, g);
      const encoded =
        kind === 'Secret'
          ? Object.fromEntries(
              Object.entries(data).map(([key, v]) => [key, Buffer.from(v).toString('base64')]),
            )
          : data;
      const existing = objects.find((o) => o.kind === kind && o.metadata.name === g.name);
      if (g.behavior === 'merge' || g.behavior === 'replace') {
        if (!existing)
          throw new Error(
            `${file}: ${kind}/${g.name} has behavior ${g.behavior} but no base to ${g.behavior}`,
          );
        existing.data = g.behavior === 'merge' ? { ...(existing.data as object), ...encoded } : encoded;
        continue;
      }
      const generated: K8sObject = { apiVersion: 'v1', kind, metadata: { name: g.name }, data: encoded };
      if (kind === 'Secret') generated.type = 'Opaque';
      add(generated, file);
    }
  }

  for (const { path } of k.patches ?? []) {
    const patchFile = join(dir, path);
    for (const patch of readYamlDocuments(patchFile) as unknown as K8sObject[]) {
      const at = objects.findIndex((o) => idOf(o) === idOf(patch));
      if (at < 0) throw new Error(`${patchFile}: no ${idOf(patch)} to patch`);
      if ((patch as JsonObject).$patch === 'delete') objects.splice(at, 1);
      else objects[at] = strategicMerge(objects[at], patch) as K8sObject;
    }
  }

  for (const { name, count } of k.replicas ?? []) {
    const target = objects.find(
      (o) => o.metadata.name === name && ['Deployment', 'StatefulSet', 'ReplicaSet'].includes(o.kind),
    );
    if (!target) throw new Error(`${file}: replicas for unknown workload ${name}`);
    (target.spec as JsonObject).replicas = count;
  }
  if (k.images) for (const o of objects) setImages(o, k.images);
  for (const { pairs, includeSelectors, includeTemplates } of k.labels ?? []) {
    if (includeSelectors || includeTemplates)
      throw new Error(`${file}: labels with selectors or templates are not implemented`);
    for (const o of objects) o.metadata.labels = { ...(o.metadata.labels ?? {}), ...pairs };
  }
  if (k.namespace) {
    objects = objects.map((o) =>
      CLUSTER_SCOPED.has(o.kind) ? o : { ...o, metadata: { ...o.metadata, namespace: k.namespace! } },
    );
  }
  return objects;
}

/** The directory of this package's manifests. */
export const K8S_DIR = resolve(dirname(new URL(import.meta.url).pathname), '..');
