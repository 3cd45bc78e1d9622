// The cluster a joining node's dry run reads, made up instead of contacted (model: kubeadm >= 1.31's dry-run
// client, cmd/kubeadm/app/util/apiclient/dryrun.go GetClusterInfoReactor, GetKubeletConfigReactor,
// GetKubeadmCertsReactor, and discovery/token/token.go mutateTokenDiscoveryForDryRun). kubeadm answers with
// fixed objects and a fixed token; kgen builds them from node.yaml, so each phase works on this node's own
// values: cluster-info names the node's endpoint and is signed with the node's own token, kubelet-config
// is the one the init node uploads for these cluster settings, and kubeadm-certs is sealed with the node's
// certificate key, so download-certs really decrypts it. Only the CAs are throwaway (the joiner has none of
// the real keys), and so discovery pins the throwaway cluster CA besides node.yaml's pins, as kubeadm adds
// its dry-run hash. Nothing here reaches the network: the dry run is the same before the cluster exists.
import { createPublicKey, randomBytes } from 'node:crypto';
import { CLUSTER_INFO_CONFIGMAP, KUBE_PUBLIC, KUBE_SYSTEM, KUBEADM_CERTS_SECRET, PKI, kubeletConfigConfigMap, encryptionConfiguration, type KubeClusterSpec } from '../kube/index.js';
import { buildClusterInfoKubeconfig, caCertHash, createCA, createCertAndKey, generateKeyPair, serializeKubeconfig } from '../pki/index.js';
import { clusterInfoConfigMap } from '../cluster/bootstrap-token.js';
import { computeDetachedJWS } from '../cluster/jws.js';
import { ENCRYPTION_CONFIG_TRANSFER_NAME, certsToTransfer, kubeadmCertsSecret, sealKubeadmCert } from '../cluster/kubeadm-certs.js';
import type { NodeBootConfig } from '../contract/config.js';
import { toYaml } from '../yaml.js';

export interface SimulatedCluster {
  /** The pin of the throwaway cluster CA that the simulated cluster-info carries. */
  readonly caPin: string;
  /** What is simulated, for the log: "ConfigMap kube-public/cluster-info", ... */
  readonly names: string[];
  /** The object a GET of this API path returns, or undefined (not simulated). */
  get(path: string): unknown;
}

const objectPath = (namespace: string, resource: string, name: string) => `/api/v1/namespaces/${namespace}/${resource}/${name}`;

/** The transferred files of kubeadm-certs (certsToTransfer's names), throwaway apart from their names. */
async function kubeadmCertsFiles(cluster: KubeClusterSpec, ca: { cert: string; key: string }): Promise<Map<string, Buffer>> {
  const { keyAlgorithm: algorithm, caValidityHours: validityHours } = cluster.certificates;
  const newCA = (commonName: string) => createCA({ commonName, algorithm, validityHours });
  const files = new Map<string, string>([
    [PKI.caCert, ca.cert],
    [PKI.caKey, ca.key],
  ]);
  const frontProxy = await newCA('front-proxy-ca');
  files.set(PKI.frontProxyCACert, frontProxy.cert).set(PKI.frontProxyCAKey, frontProxy.key);
  const sa = await generateKeyPair(algorithm);
  files.set(PKI.saPrivateKey, sa.key).set(PKI.saPublicKey, createPublicKey(sa.key).export({ type: 'spki', format: 'pem' }).toString());
  if (cluster.etcd.external) {
    const etcdCA = await newCA('etcd-ca');
    const client = await createCertAndKey({ commonName: 'kube-apiserver-etcd-client', usages: ['clientAuth'], validityHours, algorithm }, etcdCA);
    files.set('external-etcd-ca.crt', etcdCA.cert).set('external-etcd.crt', client.cert).set('external-etcd.key', client.key);
  } else {
    const etcdCA = await newCA('etcd-ca');
    files.set(PKI.etcdCACert, etcdCA.cert).set(PKI.etcdCAKey, etcdCA.key);
  }
  if (cluster.encryptionAtRest) files.set(ENCRYPTION_CONFIG_TRANSFER_NAME, toYaml(encryptionConfiguration(randomBytes(32).toString('base64'))));
  const wanted = certsToTransfer(cluster.etcd.external !== undefined, { encryptionAtRest: cluster.encryptionAtRest });
  return new Map(wanted.map((name) => [name, Buffer.from(files.get(name) ?? '')]));
}

/** The objects a joiner reads, for this node.yaml. */
export async function simulateCluster(config: NodeBootConfig, cluster: KubeClusterSpec): Promise<SimulatedCluster> {
  const { keyAlgorithm: algorithm, caValidityHours: validityHours } = cluster.certificates;
  const ca = await createCA({ commonName: 'kubernetes', algorithm, validityHours });
  const [tokenID = '', tokenSecret = ''] = config.discovery.token.split('.');
  const kubeconfig = serializeKubeconfig(buildClusterInfoKubeconfig({ server: `https://${config.discovery.apiServerEndpoint}`, caCertPem: ca.cert }));
  const clusterInfo = clusterInfoConfigMap(kubeconfig);
  clusterInfo.data![`jws-kubeconfig-${tokenID}`] = computeDetachedJWS(kubeconfig, tokenID, tokenSecret);

  const objects = new Map<string, unknown>([
    [objectPath(KUBE_PUBLIC, 'configmaps', CLUSTER_INFO_CONFIGMAP), clusterInfo],
    [objectPath(KUBE_SYSTEM, 'configmaps', kubeletConfigConfigMap(cluster).metadata.name), kubeletConfigConfigMap(cluster)],
  ]);
  const key = config.certificateKey;
  if (config.node.role === 'control-plane' && key) {
    const sealed = new Map([...(await kubeadmCertsFiles(cluster, ca))].map(([name, content]) => [name, sealKubeadmCert(key, content)]));
    objects.set(objectPath(KUBE_SYSTEM, 'secrets', KUBEADM_CERTS_SECRET), kubeadmCertsSecret(sealed, { tokenID: 'dryrun', uid: 'dry-run' }));
  }
  const names = [...objects.values()].map((o) => {
    const { kind, metadata } = o as { kind: string; metadata: { namespace: string; name: string } };
    return `${kind} ${metadata.namespace}/${metadata.name}`;
  });
  return { caPin: caCertHash(ca.cert), names, get: (path) => objects.get(path) };
}
