// The control plane's static Pod manifests for kube-apiserver, kube-controller-manager and kube-scheduler,
// built by src/kube (upstream: cmd/kubeadm/app/phases/controlplane/manifests.go CreateStaticPodFiles). With
// cluster.encryptionAtRest the init node first writes the EncryptionConfiguration that the apiserver command
// points at (--encryption-provider-config); a joining node got it with kubeadm-certs (download-certs).
import {
  CA_CERTS_EXTRA_VOLUME_PATHS,
  ENCRYPTION_CONFIG_FILE,
  MANIFESTS_DIR,
  apiServerPod,
  controllerManagerPod,
  encryptionConfiguration,
  schedulerPod,
  type Pod,
} from '../../kube/index.js';
import { toYaml } from '../../yaml.js';
import type { BootData } from '../data.js';
import { writeIfChanged } from './files.js';

const TAG = 'control-plane';

/** The optional CA directories kubeadm mounts when they exist on the host (volumes.go). */
async function hostCAPaths(data: BootData): Promise<string[]> {
  const present: string[] = [];
  for (const p of CA_CERTS_EXTRA_VOLUME_PATHS) if (await data.host.exists(p)) present.push(p);
  return present;
}

async function writeManifest(data: BootData, component: string, pod: Pod): Promise<void> {
  data.log.phase(TAG, `Creating static Pod manifest for "${component}"`);
  await writeIfChanged(data.host, `${MANIFESTS_DIR}/${component}.yaml`, toYaml(pod), { mode: 0o600 });
}

async function writeEncryptionConfig(data: BootData): Promise<void> {
  const key = data.config.secrets?.encryptionKey;
  if (!key) throw new Error('cluster.encryptionAtRest is true but node.yaml has no secrets.encryptionKey; re-render with kgen');
  data.log.phase(TAG, `Writing the encryption-at-rest configuration to "${ENCRYPTION_CONFIG_FILE}"`);
  await writeIfChanged(data.host, ENCRYPTION_CONFIG_FILE, toYaml(encryptionConfiguration(key)), { mode: 0o600 });
}

export interface ControlPlaneComponent {
  /** The phase child's name. */
  name: 'apiserver' | 'controller-manager' | 'scheduler';
  short: string;
  /** The phase (relative to the workflow's certs and kubeconfig phases) whose file the manifest needs. */
  needs: string;
  /** `encryptionConfigFromSecrets` false: a joining node, whose EncryptionConfiguration came with kubeadm-certs. */
  write(data: BootData, options: { encryptionConfigFromSecrets: boolean }): Promise<void>;
}

/** kubeadm's control-plane phase children, in its order. */
export const CONTROL_PLANE_COMPONENTS: readonly ControlPlaneComponent[] = [
  {
    name: 'apiserver',
    short: 'Generates the kube-apiserver static Pod manifest',
    needs: 'certs/apiserver',
    async write(d, { encryptionConfigFromSecrets }) {
      if (d.cluster.encryptionAtRest && encryptionConfigFromSecrets) await writeEncryptionConfig(d);
      await writeManifest(d, 'kube-apiserver', apiServerPod(d.cluster, d.config.node, { hostCAPaths: await hostCAPaths(d) }));
    },
  },
  {
    name: 'controller-manager',
    short: 'Generates the kube-controller-manager static Pod manifest',
    needs: 'kubeconfig/controller-manager',
    write: async (d) => writeManifest(d, 'kube-controller-manager', controllerManagerPod(d.cluster, { hostCAPaths: await hostCAPaths(d) })),
  },
  {
    name: 'scheduler',
    short: 'Generates the kube-scheduler static Pod manifest',
    needs: 'kubeconfig/scheduler',
    write: async (d) => writeManifest(d, 'kube-scheduler', schedulerPod(d.cluster)),
  },
];
