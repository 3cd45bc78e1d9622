// join phase "control-plane-prepare" (control-plane nodes only): download-certs fetches the shared CAs and
// the service-account key from kube-system/kubeadm-certs with the bootstrap token and the certificate key;
// certs issues this node's own certificates (its name and address in the SANs) from those CAs; kubeconfig
// writes admin.conf, controller-manager.conf and scheduler.conf; control-plane writes the static pods
// (upstream: cmd/kubeadm/app/cmd/phases/join/controlplaneprepare.go; phases/copycerts/copycerts.go DownloadCerts).
// The work is init's (src/boot/node/), with the CAs read from disk instead of node.yaml.
import { KUBEADM_CERTS_SECRET, KUBE_SYSTEM, KUBERNETES_DIR, CERTIFICATES_DIR, pkiPath } from '../../../kube/index.js';
import { JOIN_CONTROL_PLANE_KUBECONFIGS, KUBEADM_LEAVES, isEtcdOnly } from '../../../pki/index.js';
import { certsToTransfer, downloadKubeadmCerts } from '../../../cluster/kubeadm-certs.js';
import type { Phase } from '../../runner.js';
import { isControlPlane, isLocalEtcd, type BootData } from '../../data.js';
import { writeIfChanged } from '../../node/files.js';
import { caFromDisk, writeLeaf } from '../../node/certs.js';
import { KUBECONFIG_CHILDREN, writeKubeconfig } from '../../node/kubeconfig.js';
import { controlPlanePhase } from '../control-plane.js';

const PARENT = 'control-plane-prepare';

async function downloadCerts(data: BootData): Promise<void> {
  const { host, log, config } = data;
  const key = config.certificateKey;
  if (!key) throw new Error('node.yaml has no certificateKey; a joining control-plane node needs it to decrypt kubeadm-certs (re-render with kgen)');
  log.phase('download-certs', `Downloading the certificates in Secret "${KUBEADM_CERTS_SECRET}" in the "${KUBE_SYSTEM}" Namespace`);
  const api = await data.join.client();
  // Everything is decrypted before the first write: a wrong key leaves the disk as it was.
  const transfer = certsToTransfer(data.cluster.etcd.external !== undefined, { encryptionAtRest: data.cluster.encryptionAtRest });
  const files = await downloadKubeadmCerts(api, key, transfer, data.join.tokenID);
  log.phase('download-certs', `Saving the certificates to the folder: "${CERTIFICATES_DIR}"`);
  for (const f of files) await writeIfChanged(host, pkiPath(f.file), f.data.toString('utf8'), { mode: f.mode });
}

function certsPhase(): Phase<BootData> {
  const children: Phase<BootData>[] = KUBEADM_LEAVES.map((leaf) => ({
    name: leaf.name,
    short: `Generate the ${leaf.longName}`,
    dependsOn: [`${PARENT}/download-certs`],
    ...(isEtcdOnly(leaf.ca) ? { runIf: isLocalEtcd } : {}),
    run: async (d: BootData) => writeLeaf(d, leaf.name, await caFromDisk(d, leaf.ca)),
  }));
  return {
    name: 'certs',
    short: "Generate the certificates for the new control plane components from the cluster's CAs",
    phases: children,
    run: async (d) => {
      d.log.phase('certs', `Using certificateDir folder "${CERTIFICATES_DIR}"`);
      await d.warmKeys();
    },
  };
}

function kubeconfigPhase(): Phase<BootData> {
  return {
    name: 'kubeconfig',
    short: 'Generate the kubeconfig for the new control plane components',
    run: async (d) => {
      d.log.phase('kubeconfig', `Using kubeconfig folder "${KUBERNETES_DIR}"`);
      await d.warmKeys();
    },
    phases: KUBECONFIG_CHILDREN.filter(([, file]) => JOIN_CONTROL_PLANE_KUBECONFIGS.includes(file)).map(([name, file, short]) => ({
      name,
      short,
      dependsOn: [`${PARENT}/download-certs`],
      run: async (d: BootData) => writeKubeconfig(d, file, await caFromDisk(d, 'ca')),
    })),
  };
}

export function controlPlanePreparePhase(): Phase<BootData> {
  return {
    name: PARENT,
    short: 'Prepare the machine for serving a control plane',
    runIf: isControlPlane,
    phases: [
      {
        name: 'download-certs',
        short: `Download certificates shared among control-plane nodes from the ${KUBEADM_CERTS_SECRET} Secret`,
        run: downloadCerts,
      },
      certsPhase(),
      kubeconfigPhase(),
      controlPlanePhase(PARENT),
    ],
  };
}
