// Marking a node as control-plane: the labels node-role.kubernetes.io/control-plane and
// node.kubernetes.io/exclude-from-external-load-balancers, and the node's taints (the inventory's default is
// kubeadm's node-role.kubernetes.io/control-plane:NoSchedule; src/kube builds the patch). Waits for the kubelet
// to register the Node, then patches with the resourceVersion as precondition (upstream: cmd/kubeadm/app/
// phases/markcontrolplane/markcontrolplane.go, util/apiclient PatchNode).
import { LABEL_CONTROL_PLANE, LABEL_EXCLUDE_FROM_EXTERNAL_LB, markControlPlanePatch, taintString } from '../../kube/index.js';
import type { Taint } from '../../inventory/types.js';
import { ApiError } from '../../cluster/api-client.js';
import { pollUntil } from '../wait.js';
import type { BootData } from '../data.js';

const TAG = 'mark-control-plane';

interface NodeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; resourceVersion?: string; labels?: Record<string, string> };
  spec?: { taints?: Taint[] };
}

/** The name the kubelet registers under (kubeadm-flags.env sets --hostname-override only when asked). */
export function registeredNodeName(data: BootData): string {
  return data.config.node.kubelet.hostnameOverride ?? data.config.node.name;
}

/** Labels and taints the Node once the kubelet registered it; the resourceVersion precondition retries on conflict. */
export async function markControlPlane(data: BootData): Promise<void> {
  const { log, host, timeouts } = data;
  const name = registeredNodeName(data);
  const labels = [LABEL_CONTROL_PLANE, LABEL_EXCLUDE_FROM_EXTERNAL_LB];
  const taints = data.config.node.taints;
  log.phase(TAG, `Marking the node ${name} as control-plane by adding the labels: [${labels.join(' ')}]`);
  if (taints.length > 0) log.phase(TAG, `Marking the node ${name} as control-plane by adding the taints [${taints.map(taintString).join(' ')}]`);
  const api = await data.admin();
  // Not yet: the Node is not registered (404), changed under us (409), or the server is unreachable. The
  // client already waited out 401/403 from a server still starting (a joiner's request may reach one).
  const isPermanent = (err: unknown) => err instanceof ApiError && err.status !== undefined && err.status < 500 && err.status !== 404 && err.status !== 409;
  const poll = { clock: host.clock, timeoutMs: timeouts.apiObjectMs, intervalMs: timeouts.pollMs, isPermanent, progress: (m: string) => log.phase(TAG, m) };
  await pollUntil(`the kubelet to register Node "${name}" and the control-plane labels and taints to be applied`, poll, async () => {
    const node = await api.get<NodeObject>('v1', 'Node', name);
    const patch = markControlPlanePatch(node.spec?.taints ?? [], taints);
    // The resourceVersion makes the merge patch conditional: a concurrent change answers 409, and we retry.
    const conditional = { ...patch, metadata: { ...patch.metadata, resourceVersion: node.metadata.resourceVersion } };
    await api.patch(node, conditional, 'merge');
    return true;
  });
}
