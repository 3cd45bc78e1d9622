// join phase "kubelet-wait-bootstrap" (control-plane joiners where ControlPlaneKubeletLocalMode applies, v1.33+):
// their kubelet bootstraps against the node's own API server, which serves once this node's etcd member joined,
// so the wait for its kubelet.conf comes after control-plane-join (upstream: cmd/kubeadm/app/cmd/phases/join/
// kubelet.go NewKubeletWaitBootstrapPhase, runKubeletWaitBootstrapPhase; the work is in kubelet-start.ts).
import type { Phase } from '../../runner.js';
import type { BootData } from '../../data.js';
import { kubeletLocalMode, waitForKubeletBootstrap } from './kubelet-start.js';

export function kubeletWaitBootstrapPhase(): Phase<BootData> {
  return {
    name: 'kubelet-wait-bootstrap',
    short: 'Wait for the kubelet to bootstrap itself (control-plane nodes, ControlPlaneKubeletLocalMode)',
    runIf: kubeletLocalMode,
    dependsOn: ['kubelet-start'],
    run: waitForKubeletBootstrap,
  };
}
