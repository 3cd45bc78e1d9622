// The NodeRestriction admission plugin for Node and Lease writes by a node identity
// (plugin/pkg/admission/noderestriction/admission.go, labels from pkg/kubelet/apis/well_known_labels.go):
// a node may only create or modify its own Node; it may not set or change labels in the
// kubernetes.io / k8s.io namespaces other than the kubelet's well-known ones (never
// node-restriction.kubernetes.io); after creation it may not change taints or ownerReferences; and it
// may only write the Lease with its own name; it may only create mirror pods bound to itself (owned
// by its Node, referencing no secrets, configmaps, service accounts or claims) and only delete or
// update the status of pods bound to itself. Each check returns the reason for a 403, or undefined.
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

interface PodSpecRefs {
  serviceAccountName?: string;
  imagePullSecrets?: unknown[];
  volumes?: Array<Record<string, unknown>>;
  containers?: Array<{ env?: Array<{ valueFrom?: Record<string, unknown> }>; envFrom?: Array<Record<string, unknown>> }>;
  initContainers?: Array<{ env?: Array<{ valueFrom?: Record<string, unknown> }>; envFrom?: Array<Record<string, unknown>> }>;
}

/** What API objects a pod spec references (podutil.VisitPodSecretNames / VisitPodConfigmapNames). */
function podReferences(spec: PodSpecRefs): { secrets: boolean; configmaps: boolean; pvcs: boolean } {
  const volumes = spec.volumes ?? [];
  const projected = volumes.flatMap((v) => ((v.projected as { sources?: Array<Record<string, unknown>> } | undefined)?.sources ?? []));
  const containers = [...(spec.containers ?? []), ...(spec.initContainers ?? [])];
  const env = containers.flatMap((c) => (c.env ?? []).map((e) => e.valueFrom ?? {}));
  const envFrom = containers.flatMap((c) => c.envFrom ?? []);
  return {
    secrets:
      (spec.imagePullSecrets ?? []).length > 0 ||
      volumes.some((v) => v.secret) ||
      projected.some((s) => s.secret) ||
      env.some((e) => e.secretKeyRef) ||
      envFrom.some((e) => e.secretRef),
    configmaps: volumes.some((v) => v.configMap) || projected.some((s) => s.configMap) || env.some((e) => e.configMapKeyRef) || envFrom.some((e) => e.configMapRef),
    pvcs: volumes.some((v) => v.persistentVolumeClaim || v.ephemeral),
  };
}

/** NodeRestriction for a pod a node creates: only mirror pods bound to itself that reference no other objects. */
export function mirrorPodProblem(node: string, pod: KubeObject, nodeUid: string | undefined): string | undefined {
  if (pod.metadata.annotations?.['kubernetes.io/config.mirror'] === undefined) {
    return `pod does not have "kubernetes.io/config.mirror" annotation, node "${node}" can only create mirror pods`;
  }
  const spec = (pod.spec ?? {}) as PodSpecRefs & { nodeName?: string };
  if (spec.nodeName !== node) return `node "${node}" can only create pods with spec.nodeName set to itself`;
  const owners = (pod.metadata.ownerReferences ?? []) as Array<{ apiVersion?: string; kind?: string; name?: string; uid?: string; controller?: boolean; blockOwnerDeletion?: boolean }>;
  if (owners.length > 1) return `node "${node}" can only create pods with a single owner reference set to itself`;
  const owner = owners[0];
  if (owner) {
    if (owner.apiVersion !== 'v1' || owner.kind !== 'Node' || owner.name !== node) return `node "${node}" can only create pods with an owner reference set to itself`;
    if (!owner.controller) return `node "${node}" can only create pods with a controller owner reference set to itself`;
    if (owner.blockOwnerDeletion) return `node "${node}" must not set blockOwnerDeletion on an owner reference`;
    if (owner.uid !== nodeUid) return `node ${node} UID mismatch: expected ${nodeUid} got ${owner.uid}`;
  }
  if (spec.serviceAccountName) return `node "${node}" can not create pods that reference a service account`;
  const refs = podReferences(spec);
  if (refs.secrets) return `node "${node}" can not create pods that reference secrets`;
  if (refs.configmaps) return `node "${node}" can not create pods that reference configmaps`;
  if (refs.pvcs) return `node "${node}" can not create pods that reference persistentvolumeclaims`;
  return undefined;
}

/** NodeRestriction for deleting a pod or updating its status: only pods bound to the node. */
export function boundPodProblem(node: string, pod: KubeObject, action: 'delete' | 'update pod status for'): string | undefined {
  const bound = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
  return bound === node ? undefined : `node "${node}" can only ${action} pods with spec.nodeName set to itself`;
}
