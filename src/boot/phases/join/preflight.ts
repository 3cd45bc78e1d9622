// join phase "preflight": kubeadm's join checks for this node's role, with kubeadm's check names so
// cluster.ignorePreflightErrors works as --ignore-preflight-errors (upstream: cmd/kubeadm/app/cmd/phases/join/
// preflight.go, cmd/kubeadm/app/preflight/checks.go RunJoinNodeChecks; control-plane joiners also get the
// control-plane port checks of RunInitNodeChecks). The checks themselves are init's (phases/init/preflight.ts).
import { API_SERVER_BIND_PORT, ETCD_LISTEN_CLIENT_PORT, ETCD_LISTEN_PEER_PORT, KUBE_CONTROLLER_MANAGER_PORT, KUBE_SCHEDULER_PORT } from '../../../kube/index.js';
import type { Phase } from '../../runner.js';
import type { BootData } from '../data.js';
import { containerRuntime, ipForward, isPrivilegedUser, kubeletBinary, portCheck, preflightPhaseOver, swap, type Check } from '../init/preflight.js';
import { isControlPlane, isLocalEtcd } from './context.js';

const KUBELET_PORT = 10250;

/** The checks `kubeadm join` (with --control-plane for control-plane nodes) runs that kgen can perform. */
export function joinChecks(data: BootData): Check[] {
  const controlPlane = isControlPlane(data)
    ? [
        portCheck(API_SERVER_BIND_PORT),
        portCheck(KUBE_SCHEDULER_PORT),
        portCheck(KUBE_CONTROLLER_MANAGER_PORT),
        ...(isLocalEtcd(data) ? [portCheck(ETCD_LISTEN_CLIENT_PORT), portCheck(ETCD_LISTEN_PEER_PORT)] : []),
      ]
    : [];
  return [isPrivilegedUser, ...controlPlane, containerRuntime, swap, kubeletBinary, ipForward, portCheck(KUBELET_PORT)];
}

export function joinPreflightPhase(): Phase<BootData> {
  return preflightPhaseOver('join', joinChecks);
}
