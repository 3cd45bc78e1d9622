// Taking a Node out of the cluster before its machine is reimaged: a drain when the Node still reports Ready
// (cordon, then evict what runs there, as `kubectl drain --ignore-daemonsets` does: staging/src/k8s.io/kubectl/
// pkg/drain/drain.go and filters.go skip mirror pods and DaemonSet pods), then the Node object's deletion.
// The drain does not wait for the evicted pods to terminate: the machine is about to be wiped, and the Node's
// deletion lets the pod garbage collector clean up what its kubelet never reports.
import type { ApiClient, ObjectRef } from './api-client.js';
import { ApiError } from './api-client.js';
import type { ObjectMeta } from '../kube/types.js';

export interface ClusterNode extends ObjectRef {
  metadata: ObjectMeta & { creationTimestamp?: string };
  spec?: { unschedulable?: boolean };
  status?: { conditions?: Array<{ type: string; status: string }> };
}

interface PodSummary extends ObjectRef {
  metadata: ObjectMeta;
}

/** The annotation the kubelet puts on the API copy of a static pod (kubetypes.ConfigMirrorAnnotationKey). */
const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

export const getNode = (api: ApiClient, name: string) => api.getIfExists<ClusterNode>('v1', 'Node', name);

export function isReady(node: ClusterNode): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** Marks the Node unschedulable (kubectl cordon); nothing to do when it already is. */
export async function cordon(api: ApiClient, node: ClusterNode): Promise<boolean> {
  if (node.spec?.unschedulable) return false;
  await api.patch(node, { spec: { unschedulable: true } });
  return true;
}

/** Pods on the node that a drain evicts: not mirror pods (the kubelet owns them), not DaemonSet pods. */
export async function podsToEvict(api: ApiClient, nodeName: string): Promise<PodSummary[]> {
  const query = new URLSearchParams({ fieldSelector: `spec.nodeName=${nodeName}` });
  const { items } = await api.request<{ items: PodSummary[] }>({ method: 'GET', path: `/api/v1/pods?${query}` });
  return items.filter(
    (p) => p.metadata.annotations?.[MIRROR_ANNOTATION] === undefined && !(p.metadata.ownerReferences ?? []).some((o) => o.kind === 'DaemonSet'),
  );
}

/** POSTs a policy/v1 Eviction for the pod; a pod that is already gone counts as evicted. */
export async function evict(api: ApiClient, pod: { name: string; namespace: string }): Promise<void> {
  const eviction = { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod.name, namespace: pod.namespace } };
  const path = `/api/v1/namespaces/${encodeURIComponent(pod.namespace)}/pods/${encodeURIComponent(pod.name)}/eviction`;
  try {
    await api.request({ method: 'POST', path, body: JSON.stringify(eviction), contentType: 'application/json' });
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return;
    throw new Error(`cannot evict pod ${pod.namespace}/${pod.name}: ${(err as Error).message}; a PodDisruptionBudget may forbid it now (retry later, or pass --no-drain)`, { cause: err });
  }
}
