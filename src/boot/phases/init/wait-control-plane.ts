// init phase "wait-control-plane": wait for the kubelet's healthz, then for each control-plane component's
// health endpoint, in parallel until the timeout (upstream: cmd/kubeadm/app/cmd/phases/init/waitcontrolplane.go;
// the polling is src/boot/node/wait-control-plane.ts).
import { MANIFESTS_DIR } from '../../../kube/index.js';
import type { Phase } from '../../runner.js';
import type { BootData } from '../../data.js';
import { controlPlaneEndpoints, kubeletHealthEndpoint, url, waitAllHealthy, waitHealthy } from '../../node/wait-control-plane.js';

export function waitControlPlanePhase(): Phase<BootData> {
  return {
    name: 'wait-control-plane',
    short: 'Wait for the control plane to start',
    dependsOn: ['kubelet-start'],
    async run(data) {
      const { log } = data;
      const limit = `${Math.round(data.timeouts.controlPlaneMs / 1000)}s`;
      log.phase('wait-control-plane', `Waiting for the kubelet to boot up the control plane as static Pods from directory "${MANIFESTS_DIR}"`);
      const kubelet = kubeletHealthEndpoint(data);
      log.phase('kubelet-check', `Waiting for a healthy kubelet at ${url(kubelet)}. This can take up to ${limit}`);
      const kubeletSeconds = await waitHealthy(data, kubelet, 'kubelet-check');
      log.phase('kubelet-check', `The kubelet is healthy after ${kubeletSeconds}s`);
      log.phase('control-plane-check', `Waiting for healthy control plane components. This can take up to ${limit}`);
      const endpoints = controlPlaneEndpoints(data);
      for (const e of endpoints) log.phase('control-plane-check', `Checking ${e.name} at ${url(e)}`);
      const failures = await waitAllHealthy(data, endpoints, 'control-plane-check');
      if (failures.length > 0) {
        throw new Error(
          `the control plane did not become healthy:\n\t${failures.join('\n\t')}\n` +
            'Check the kubelet (journalctl -u kubelet) and the static pods (crictl ps -a | grep kube) on this node',
        );
      }
    },
  };
}
