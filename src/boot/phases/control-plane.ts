// Phase "control-plane", in both workflows: the static Pod manifests of the control plane, one child per
// component (upstream: cmd/kubeadm/app/cmd/phases/init/controlplane.go, join/controlplaneprepare.go; the work
// is src/boot/node/control-plane.ts). `within` is the parent's full name when the phase is nested (join:
// "control-plane-prepare"), so the dependencies name the certs and kubeconfig phases of the same workflow.
// A joining node's EncryptionConfiguration came with kubeadm-certs (download-certs), not from node.yaml.
import { MANIFESTS_DIR } from '../../kube/index.js';
import type { Phase } from '../runner.js';
import type { BootData } from '../data.js';
import { CONTROL_PLANE_COMPONENTS } from '../node/control-plane.js';

export function controlPlanePhase(within = ''): Phase<BootData> {
  const dep = (name: string) => (within ? `${within}/${name}` : name);
  return {
    name: 'control-plane',
    short: 'Generate all static Pod manifest files necessary to establish the control plane',
    run: async (d) => d.log.phase('control-plane', `Using manifest folder "${MANIFESTS_DIR}"`),
    phases: CONTROL_PLANE_COMPONENTS.map((c) => ({
      name: c.name,
      short: c.short,
      dependsOn: [dep(c.needs)],
      run: (d: BootData) => c.write(d, { encryptionConfigFromSecrets: within === '' }),
    })),
  };
}
