// init phase "kubelet-start": /var/lib/kubelet/kubeadm-flags.env and /var/lib/kubelet/config.yaml (built by
// src/kube, mutated for this node by src/boot/node/kubelet-config.ts), then (re)start the kubelet through the Host's
// ServiceManager
// (upstream: cmd/kubeadm/app/cmd/phases/init/kubelet.go runKubeletStart, phases/kubelet/flags.go, config.go).
import { KUBELET_ENV_FILE, kubeadmFlagsEnv, nodeKubeletConfiguration } from '../../../kube/index.js';
import { writeKubeletConfigToDisk } from '../../node/kubelet-config.js';
import type { Phase } from '../../runner.js';
import type { BootData } from '../../data.js';

const TAG = 'kubelet-start';

export function kubeletStartPhase(): Phase<BootData> {
  return {
    name: 'kubelet-start',
    short: 'Write kubelet settings and (re)start the kubelet',
    long: 'Write a file with KubeletConfiguration and an environment file with node specific kubelet settings, and then (re)start kubelet.',
    async run(data) {
      const { config, cluster, host, log } = data;
      log.phase(TAG, `Writing kubelet environment file with flags to file "${KUBELET_ENV_FILE}"`);
      await host.writeFile(KUBELET_ENV_FILE, kubeadmFlagsEnv(cluster, config.node));
      await writeKubeletConfigToDisk(data, nodeKubeletConfiguration(cluster, config.node), TAG);
      log.phase(TAG, 'Starting the kubelet');
      await host.services.restart('kubelet');
    },
  };
}
