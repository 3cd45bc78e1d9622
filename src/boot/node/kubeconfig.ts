// The kubeconfig files under /etc/kubernetes as kubeadm writes them (upstream: cmd/kubeadm/app/phases/
// kubeconfig/kubeconfig.go createKubeConfigFileIfNotExists / validateKubeConfig): an existing file is kept
// when it trusts the cluster CA, points at the expected server and holds a client certificate the CA signed
// that is still valid. The init node signs with the CA from node.yaml, a joining control-plane node with the
// one download-certs wrote.
import { KUBERNETES_DIR } from '../../kube/index.js';
import { certSignedBy, createKubeconfig, kubeadmKubeconfigSpecs, parseCertificate, type KubeconfigFile, type KubeconfigSpec } from '../../pki/index.js';
import type { CertKeyPair } from '../../pki/types.js';
import { tlsFromKubeconfig } from '../../cluster/api-client.js';
import type { BootData } from '../data.js';

const TAG = 'kubeconfig';

/** kubeadm's kubeconfig phase children: [name, file, short description], in kubeadm's order. */
export const KUBECONFIG_CHILDREN: Array<[string, KubeconfigFile, string]> = [
  ['admin', 'admin.conf', 'Generate a kubeconfig file for the admin to use and for kubeadm itself'],
  ['super-admin', 'super-admin.conf', 'Generate a kubeconfig file for the super-admin'],
  ['kubelet', 'kubelet.conf', 'Generate a kubeconfig file for the kubelet to use *only* for cluster bootstrapping purposes'],
  ['controller-manager', 'controller-manager.conf', 'Generate a kubeconfig file for the controller manager to use'],
  ['scheduler', 'scheduler.conf', 'Generate a kubeconfig file for the scheduler to use'],
];

export const kubeconfigPath = (file: KubeconfigFile): string => `${KUBERNETES_DIR}/${file}`;

function specFor(data: BootData, file: KubeconfigFile): KubeconfigSpec {
  const { node, cluster } = data.config;
  const [spec] = kubeadmKubeconfigSpecs(
    { nodeName: node.name, advertiseAddress: node.address, controlPlaneEndpoint: cluster.controlPlaneEndpoint, kubernetesVersion: cluster.kubernetesVersion },
    [file],
  );
  return spec!;
}

/** Why an existing kubeconfig cannot be kept, or undefined when it can. */
async function reuseProblem(data: BootData, path: string, text: string, spec: KubeconfigSpec, caCert: string): Promise<string | undefined> {
  try {
    const tls = await tlsFromKubeconfig(text, path, (p) => data.host.readText(p));
    if (tls.ca?.trim() !== caCert.trim()) return 'it trusts a different CA';
    if (tls.server !== spec.server) return `it points at ${tls.server}, expected ${spec.server}`;
    if (tls.credentials.kind !== 'certificate') return 'it holds no client certificate';
    if (!certSignedBy(tls.credentials.cert, caCert)) return 'its client certificate is not signed by the cluster CA';
    const cert = parseCertificate(tls.credentials.cert);
    if (cert.notAfter <= data.host.clock.now()) return `its client certificate expired at ${cert.notAfter.toISOString()}`;
    if (cert.subject.commonName !== spec.clientName) return `its client certificate is for "${cert.subject.commonName}", expected "${spec.clientName}"`;
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Writes (or keeps) one kubeconfig signed by `ca` (init: from node.yaml; control-plane join: downloaded). */
export async function writeKubeconfig(data: BootData, file: KubeconfigFile, ca: CertKeyPair): Promise<void> {
  const { host, log, config } = data;
  const spec = specFor(data, file);
  const path = kubeconfigPath(file);
  const existing = await host.readTextIfExists(path);
  if (existing !== undefined) {
    const problem = await reuseProblem(data, path, existing, spec, ca.cert);
    if (!problem) {
      log.phase(TAG, `Using existing kubeconfig file: "${path}"`);
      return;
    }
    log.warn(`existing ${path} cannot be reused (${problem}); writing a new one`, TAG);
  }
  log.phase(TAG, `Writing "${file}" kubeconfig file`);
  const text = await createKubeconfig(
    spec,
    { clusterName: config.cluster.name, ca, algorithm: config.cluster.certificates.keyAlgorithm, validityHours: config.cluster.certificates.validityHours },
    { now: host.clock.now(), random: (n) => host.random.bytes(n), keyPair: () => data.keys.take() },
  );
  await host.writeFile(path, text, { mode: 0o600 });
}
