// init phase "control-plane": static pod manifests for kube-apiserver, kube-controller-manager and
// kube-scheduler, built by src/kube (upstream: cmd/kubeadm/app/cmd/phases/init/controlplane.go,
// phases/controlplane/manifests.go). With cluster.encryptionAtRest the apiserver child first writes the
// EncryptionConfiguration that src/kube's apiserver command points at (--encryption-provider-config).
import {
  CA_CERTS_EXTRA_VOLUME_PATHS,
  ENCRYPTION_CONFIG_FILE,
  MANIFESTS_DIR,
  apiServerPod,
  controllerManagerPod,
  encryptionConfiguration,
  schedulerPod,
  type Pod,
} from '../../../kube/index.js';
import { toYaml } from '../../../yaml.js';
import type { Phase } from '../../runner.js';
import type { BootData } from '../data.js';
import { writeIfChanged } from '../files.js';

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

/**
 * `within` is the parent's full name when the phase is nested (join: "control-plane-prepare"), so the
 * dependencies name the certs and kubeconfig phases of the same workflow. `encryptionConfigFromSecrets`
 * false: a joining node, whose EncryptionConfiguration came with kubeadm-certs (download-certs).
 */
export function controlPlanePhase(within = '', options: { encryptionConfigFromSecrets?: boolean } = {}): Phase<BootData> {
  const fromSecrets = options.encryptionConfigFromSecrets ?? true;
  const dep = (name: string) => (within ? `${within}/${name}` : name);
  return {
    name: 'control-plane',
    short: 'Generate all static Pod manifest files necessary to establish the control plane',
    run: async (d) => d.log.phase(TAG, `Using manifest folder "${MANIFESTS_DIR}"`),
    phases: [
      {
        name: 'apiserver',
        short: 'Generates the kube-apiserver static Pod manifest',
        dependsOn: [dep('certs/apiserver')],
        async run(d) {
          if (d.cluster.encryptionAtRest && fromSecrets) await writeEncryptionConfig(d);
          await writeManifest(d, 'kube-apiserver', apiServerPod(d.cluster, d.config.node, { hostCAPaths: await hostCAPaths(d) }));
        },
      },
      {
        name: 'controller-manager',
        short: 'Generates the kube-controller-manager static Pod manifest',
        dependsOn: [dep('kubeconfig/controller-manager')],
        run: async (d) => writeManifest(d, 'kube-controller-manager', controllerManagerPod(d.cluster, { hostCAPaths: await hostCAPaths(d) })),
      },
      {
        name: 'scheduler',
        short: 'Generates the kube-scheduler static Pod manifest',
        dependsOn: [dep('kubeconfig/scheduler')],
        run: async (d) => writeManifest(d, 'kube-scheduler', schedulerPod(d.cluster)),
      },
    ],
  };
}
