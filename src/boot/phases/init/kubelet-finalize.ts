// init phase "kubelet-finalize": once the kubelet has written its rotatable client certificate
// (/var/lib/kubelet/pki/kubelet-client-current.pem), point kubelet.conf at that file instead of the
// embedded certificate, so rotation keeps working (upstream: cmd/kubeadm/app/cmd/phases/init/
// kubeletfinalize.go runKubeletFinalizeCertRotation).
import { parse } from '../../../yaml-input.js';
import { KUBELET_DIR, KUBELET_KUBECONFIG } from '../../../kube/index.js';
import { toYaml } from '../../../yaml.js';
import type { Phase } from '../../runner.js';
import type { BootData } from '../../data.js';

const TAG = 'kubelet-finalize';
export const KUBELET_CLIENT_CURRENT = `${KUBELET_DIR}/pki/kubelet-client-current.pem`;

interface KubeconfigDoc {
  users?: Array<{ name: string; user: Record<string, unknown> }>;
  [key: string]: unknown;
}

export function kubeletFinalizePhase(): Phase<BootData> {
  return {
    name: 'kubelet-finalize',
    short: 'Updates settings relevant to the kubelet after TLS bootstrap',
    phases: [
      {
        name: 'enable-client-cert-rotation',
        short: 'Enable kubelet client certificate rotation',
        dependsOn: ['kubelet-start'],
        async run({ host, log }) {
          if (!(await host.exists(KUBELET_CLIENT_CURRENT))) {
            log.phase(TAG, `Assuming that kubelet client certificate rotation is disabled because "${KUBELET_CLIENT_CURRENT}" does not exist`);
            return;
          }
          log.phase(TAG, `Assuming that kubelet client certificate rotation is enabled: found "${KUBELET_CLIENT_CURRENT}"`);
          const doc = parse(await host.readText(KUBELET_KUBECONFIG)) as KubeconfigDoc;
          const users = doc.users ?? [];
          if (users.every((u) => u.user['client-certificate'] === KUBELET_CLIENT_CURRENT && u.user['client-key'] === KUBELET_CLIENT_CURRENT)) return;
          log.phase(TAG, `Updating "${KUBELET_KUBECONFIG}" to point to a rotatable kubelet client certificate and key`);
          const updated = { ...doc, users: users.map((u) => ({ name: u.name, user: { 'client-certificate': KUBELET_CLIENT_CURRENT, 'client-key': KUBELET_CLIENT_CURRENT } })) };
          await host.writeFile(KUBELET_KUBECONFIG, toYaml(updated), { mode: 0o600 });
        },
      },
    ],
  };
}
