// init phase "kubeconfig": admin.conf, super-admin.conf, kubelet.conf, controller-manager.conf and
// scheduler.conf under /etc/kubernetes, one child each, signed by the cluster CA from node.yaml
// (upstream: cmd/kubeadm/app/cmd/phases/init/kubeconfig.go; the work is src/boot/node/kubeconfig.ts).
import { KUBERNETES_DIR } from '../../../kube/index.js';
import type { Phase } from '../../runner.js';
import type { BootData } from '../../data.js';
import { caFromConfig } from '../../node/certs.js';
import { KUBECONFIG_CHILDREN, writeKubeconfig } from '../../node/kubeconfig.js';

export function kubeconfigPhase(): Phase<BootData> {
  return {
    name: 'kubeconfig',
    short: 'Generate all kubeconfig files necessary to establish the control plane and the admin kubeconfig file',
    run: async (d) => {
      d.log.phase('kubeconfig', `Using kubeconfig folder "${KUBERNETES_DIR}"`);
      await d.warmKeys();
    },
    phases: KUBECONFIG_CHILDREN.map(([name, file, short]) => ({ name, short, dependsOn: ['certs/ca'], run: (d: BootData) => writeKubeconfig(d, file, caFromConfig(d, 'ca')) })),
  };
}
