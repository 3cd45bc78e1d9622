// The NodeRestriction admission plugin for Node and Lease writes by a node identity
// (plugin/pkg/admission/noderestriction/admission.go, labels from pkg/kubelet/apis/well_known_labels.go):
// a node may only create or modify its own Node; it may not set or change labels in the
// kubernetes.io / k8s.io namespaces other than the kubelet's well-known ones (never
// node-restriction.kubernetes.io); after creation it may not change taints or ownerReferences; and it
// may only write the Lease with its own name. Returns the reason for a 403, or undefined.
import type { KubeObject } from './store.js';

const KUBELET_LABELS = new Set([
  'kubernetes.io/hostname',
  'topology.kubernetes.io/zone',
  'topology.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone',
  'failure-domain.beta.kubernetes.io/region',
  'beta.kubernetes.io/instance-type',
  'node.kubernetes.io/instance-type',
  'kubernetes.io/os',
  'kubernetes.io/arch',
  'beta.kubernetes.io/os',
  'beta.kubernetes.io/arch',
]);
const KUBELET_LABEL_NAMESPACES = ['kubelet.kubernetes.io', 'node.kubernetes.io'];

const inNamespace = (ns: string, domain: string): boolean => ns === domain || ns.endsWith(`.${domain}`);

function forbiddenLabels(modified: string[]): string[] {
  return modified
    .filter((key) => {
      const ns = key.includes('/') ? key.slice(0, key.indexOf('/')) : '';
      if (inNamespace(ns, 'node-restriction.kubernetes.io')) return true;
      if (!inNamespace(ns, 'kubernetes.io') && !inNamespace(ns, 'k8s.io')) return false;
      return !KUBELET_LABELS.has(key) && !KUBELET_LABEL_NAMESPACES.some((n) => inNamespace(ns, n));
    })
    .sort();
}

function modifiedLabels(next: Record<string, string> = {}, old: Record<string, string> = {}): string[] {
  const keys = new Set([...Object.keys(next), ...Object.keys(old)]);
  return [...keys].filter((k) => next[k] !== old[k]);
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

export function nodeWriteProblem(node: string, obj: KubeObject, old: KubeObject | undefined): string | undefined {
  const name = obj.metadata.name;
  if (name !== node) return `node "${node}" is not allowed to modify node "${name}"`;
  const spec = (obj.spec ?? {}) as Record<string, unknown>;
  const oldSpec = (old?.spec ?? {}) as Record<string, unknown>;
  if (!old) {
    if (spec.configSource) return `node "${node}" is not allowed to create pods with a non-nil configSource`;
    const bad = forbiddenLabels(modifiedLabels(obj.metadata.labels));
    return bad.length ? `node "${node}" is not allowed to set the following labels: ${bad.join(', ')}` : undefined;
  }
  if (spec.configSource && !same(spec.configSource, oldSpec.configSource)) {
    return `node "${node}" is not allowed to update configSource to a new non-nil configSource`;
  }
  if (!same(spec.taints, oldSpec.taints)) return `node "${node}" is not allowed to modify taints`;
  if (!same(obj.metadata.ownerReferences, old.metadata.ownerReferences)) return `node "${node}" is not allowed to modify ownerReferences`;
  const bad = forbiddenLabels(modifiedLabels(obj.metadata.labels, old.metadata.labels));
  return bad.length ? `is not allowed to modify labels: ${bad.join(', ')}` : undefined;
}

export function leaseWriteProblem(node: string, obj: KubeObject): string | undefined {
  return obj.metadata.name === node ? undefined : 'can only access node lease with the same name as the requesting node';
}
