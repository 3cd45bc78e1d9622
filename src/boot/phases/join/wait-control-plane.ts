// join phase "wait-control-plane" (control-plane nodes only): the kubelet's healthz, then this node's own
// kube-apiserver /livez, controller-manager and scheduler (upstream: cmd/kubeadm/app/cmd/phases/join/
// waitcontrolplane.go; the polling is src/boot/node/wait-control-plane.ts).
import type { Phase } from '../../runner.js';
import { isControlPlane, type BootData } from '../../data.js';
import { controlPlaneEndpoints, kubeletHealthEndpoint, waitAllHealthy, waitHealthy } from '../../node/wait-control-plane.js';

export function joinWaitControlPlanePhase(): Phase<BootData> {
  return {
    name: 'wait-control-plane',
    short: 'Wait for the control plane to start',
    runIf: isControlPlane,
    dependsOn: ['kubelet-start'],
    async run(data) {
      const { log } = data;
      const kubelet = kubeletHealthEndpoint(data);
      log.phase('kubelet-check', `The kubelet is healthy after ${await waitHealthy(data, kubelet, 'kubelet-check')}s`);
      const failures = await waitAllHealthy(data, controlPlaneEndpoints(data), 'control-plane-check');
      if (failures.length > 0) {
        throw new Error(
          `the control plane on this node did not become healthy:\n\t${failures.join('\n\t')}\n` +
            'Check the kubelet (journalctl -u kubelet) and the static pods (crictl ps -a | grep kube) on this node',
        );
      }
    },
  };
}
