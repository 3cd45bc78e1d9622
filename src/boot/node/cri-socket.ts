// The node's CRI socket where `kubeadm upgrade` reads it back (cmd/kubeadm/app/util/config/cluster.go
// GetNodeRegistration): before v1.34 the Node annotation kubeadm.alpha.kubernetes.io/cri-socket, written by
// kubeadm init's upload-config/kubelet phase and by join once the kubelet's TLS bootstrap is done
// (phases/patchnode/patchnode.go AnnotateCRISocket; cmd/phases/join/kubelet.go runKubeletWaitBootstrapPhase);
// from v1.34 (NodeLocalCRISocket) /var/lib/kubelet/instance-config.yaml instead (src/boot/node/kubelet-config.ts)
// and no annotation. The Node may not be registered yet: kubeadm's PatchNode waits for it, so does this.
import { ANNOTATION_CRI_SOCKET, requireVersion } from '../../kube/index.js';
import { ApiError, type ApiClient } from '../../cluster/api-client.js';
import { pollUntil } from '../wait.js';
import type { BootData } from '../data.js';
import { registeredNodeName } from './mark-control-plane.js';

/** Annotates this node's Node with its CRI socket through `api`, where the release still reads it from there. */
export async function annotateCRISocket(data: BootData, api: ApiClient, tag: string): Promise<void> {
  if (requireVersion(data.cluster.kubernetesVersion).nodeLocalCRISocket) return;
  const { host, log, timeouts } = data;
  const name = registeredNodeName(data);
  log.phase(tag, `Preserving the CRISocket information for the node ${name}`);
  // Not yet: the kubelet has not registered the Node (404) or the server is unreachable.
  const isPermanent = (err: unknown) => err instanceof ApiError && err.status !== undefined && err.status < 500 && err.status !== 404;
  const poll = { clock: host.clock, timeoutMs: timeouts.apiObjectMs, intervalMs: timeouts.pollMs, isPermanent, progress: (m: string) => log.phase(tag, m) };
  await pollUntil(`the kubelet to register Node "${name}" and its ${ANNOTATION_CRI_SOCKET} annotation to be written`, poll, async () => {
    const node = { apiVersion: 'v1', kind: 'Node', metadata: { name } };
    await api.patch(node, { metadata: { annotations: { [ANNOTATION_CRI_SOCKET]: data.config.node.kubelet.criSocket } } }, 'merge');
    return true;
  });
}
