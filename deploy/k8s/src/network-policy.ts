import type { K8sObject } from './kustomize.ts';

/**
 * What Kubernetes NetworkPolicies allow, computed from the manifests, so tests can ask "who can connect to users?"
 * instead of comparing YAML. Follows the networking.k8s.io/v1 semantics: a pod selected by no policy of a
 * direction is open in that direction; once selected, only what some rule of a selecting policy allows passes;
 * a connection needs the sender's egress and the receiver's ingress. Replies are not modelled (always allowed).
 * Simplification: pods have no addresses here, so an `ipBlock` matches only endpoints outside the cluster.
 */

type Labels = Record<string, string>;

/** A pod (namespace, the namespace's labels and its own labels) or an address outside the cluster. */
export type Endpoint =
  | { kind: 'pod'; namespace: string; namespaceLabels: Labels; labels: Labels }
  | { kind: 'external'; ip: string };

interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: {
    key: string;
    operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
    values?: string[];
  }[];
}

interface PolicyPort {
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  port?: number | string;
  endPort?: number;
}

interface PolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}

interface PolicyRule {
  from?: PolicyPeer[];
  to?: PolicyPeer[];
  ports?: PolicyPort[];
}

interface NetworkPolicySpec {
  podSelector: LabelSelector;
  policyTypes?: ('Ingress' | 'Egress')[];
  ingress?: PolicyRule[];
  egress?: PolicyRule[];
}

export type NetworkPolicy = K8sObject & { spec: NetworkPolicySpec };
export type Protocol = 'TCP' | 'UDP';

/** The label every namespace carries (Kubernetes sets it), which policies use to name a namespace. */
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** A pod in `namespace` with `labels`; the namespace's own labels default to the one Kubernetes sets. */
export function pod(namespace: string, labels: Labels, namespaceLabels: Labels = {}): Endpoint {
  return {
    kind: 'pod',
    namespace,
    labels,
    namespaceLabels: { [NAMESPACE_NAME_LABEL]: namespace, ...namespaceLabels },
  };
}

export function external(ip: string): Endpoint {
  return { kind: 'external', ip };
}

/** Label selector semantics: an empty selector selects everything; all terms must hold. */
function selects(selector: LabelSelector | undefined, labels: Labels): boolean {
  if (!selector) return false;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const has = key in labels;
    const ok =
      operator === 'In'
        ? has && values.includes(labels[key]!)
        : operator === 'NotIn'
          ? !has || !values.includes(labels[key]!)
          : operator === 'Exists'
            ? has
            : !has;
    if (!ok) return false;
  }
  return true;
}

function ipv4(address: string): number {
  const parts = address.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new Error(`not an IPv4 address: ${address}`);
  }
  return parts.reduce((acc, p) => acc * 256 + p, 0);
}

function inCidr(ip: string, cidr: string): boolean {
  const [base, bits = '32'] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  const start = Math.floor(ipv4(base!) / size) * size;
  const value = ipv4(ip);
  return value >= start && value < start + size;
}

function peerMatches(peer: PolicyPeer, endpoint: Endpoint, policyNamespace: string): boolean {
  if (peer.ipBlock) {
    if (endpoint.kind !== 'external') return false;
    const { cidr, except = [] } = peer.ipBlock;
    return inCidr(endpoint.ip, cidr) && !except.some((e) => inCidr(endpoint.ip, e));
  }
  if (endpoint.kind !== 'pod') return false;
  const namespaceOk = peer.namespaceSelector
    ? selects(peer.namespaceSelector, endpoint.namespaceLabels)
    : endpoint.namespace === policyNamespace;
  const podOk = peer.podSelector ? selects(peer.podSelector, endpoint.labels) : true;
  return namespaceOk && podOk;
}

function portMatches(ports: PolicyPort[] | undefined, port: number, protocol: Protocol): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((p) => {
    if (typeof p.port === 'string') {
      throw new Error(`named port ${p.port}: use container port numbers in policies (checked here)`);
    }
    if ((p.protocol ?? 'TCP') !== protocol) return false;
    if (p.port === undefined) return true;
    return p.endPort === undefined ? p.port === port : port >= p.port && port <= p.endPort;
  });
}

function types(policy: NetworkPolicy): ('Ingress' | 'Egress')[] {
  return policy.spec.policyTypes ?? ['Ingress', ...(policy.spec.egress ? (['Egress'] as const) : [])];
}

/** The policies that select this pod for a direction. */
export function policiesFor(
  policies: NetworkPolicy[],
  endpoint: Endpoint,
  direction: 'Ingress' | 'Egress',
): NetworkPolicy[] {
  if (endpoint.kind !== 'pod') return [];
  return policies.filter(
    (p) =>
      (p.metadata.namespace ?? 'default') === endpoint.namespace &&
      types(p).includes(direction) &&
      selects(p.spec.podSelector, endpoint.labels),
  );
}

function allowedBy(
  policies: NetworkPolicy[],
  self: Endpoint,
  peer: Endpoint,
  direction: 'Ingress' | 'Egress',
  port: number,
  protocol: Protocol,
): boolean {
  const applicable = policiesFor(policies, self, direction);
  if (self.kind !== 'pod' || applicable.length === 0) return true;
  return applicable.some((policy) =>
    ((direction === 'Ingress' ? policy.spec.ingress : policy.spec.egress) ?? []).some((rule) => {
      const peers = direction === 'Ingress' ? rule.from : rule.to;
      const peerOk = !peers || peers.length === 0 || peers.some((p) => peerMatches(p, peer, self.namespace));
      return peerOk && portMatches(rule.ports, port, protocol);
    }),
  );
}

/** Whether `to` accepts a connection from `from` on `port` (its ingress side only). */
export function ingressAllowed(
  policies: NetworkPolicy[],
  from: Endpoint,
  to: Endpoint,
  port: number,
  protocol: Protocol = 'TCP',
): boolean {
  return allowedBy(policies, to, from, 'Ingress', port, protocol);
}

/** Whether `from` may open a connection to `to` on `port` (its egress side only). */
export function egressAllowed(
  policies: NetworkPolicy[],
  from: Endpoint,
  to: Endpoint,
  port: number,
  protocol: Protocol = 'TCP',
): boolean {
  return allowedBy(policies, from, to, 'Egress', port, protocol);
}

/** Whether the connection passes both the sender's egress and the receiver's ingress policies. */
export function canConnect(
  policies: NetworkPolicy[],
  from: Endpoint,
  to: Endpoint,
  port: number,
  protocol: Protocol = 'TCP',
): boolean {
  return (
    egressAllowed(policies, from, to, port, protocol) && ingressAllowed(policies, from, to, port, protocol)
  );
}

/** The NetworkPolicies among rendered objects. */
export function networkPolicies(objects: K8sObject[]): NetworkPolicy[] {
  return objects.filter((o): o is NetworkPolicy => o.kind === 'NetworkPolicy');
}

/** One pod per Deployment and Job: its namespace and the labels of its pod template. */
export function workloadPods(objects: K8sObject[]): Record<string, Endpoint> {
  const namespaceLabels = (ns: string) =>
    objects.find((o) => o.kind === 'Namespace' && o.metadata.name === ns)?.metadata.labels ?? {};
  const out: Record<string, Endpoint> = {};
  for (const o of objects) {
    if (o.kind !== 'Deployment' && o.kind !== 'Job') continue;
    const template = (o.spec as { template?: { metadata?: { labels?: Labels } } }).template;
    const ns = o.metadata.namespace ?? 'default';
    out[o.metadata.name] = pod(ns, template?.metadata?.labels ?? {}, namespaceLabels(ns));
  }
  return out;
}
