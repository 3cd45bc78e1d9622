// The cluster a joining node's dry run reads, made up instead of contacted (model: kubeadm >= 1.31's dry-run
// client, cmd/kubeadm/app/util/apiclient/dryrun.go GetClusterInfoReactor, GetKubeletConfigReactor,
// GetKubeadmCertsReactor, and discovery/token/token.go mutateTokenDiscoveryForDryRun). kubeadm answers with
// fixed objects and a fixed token; kgen builds them from node.yaml, so each phase works on this node's own
// values: cluster-info names the node's endpoint and is signed with the node's own token, kubelet-config
// is the one the init node uploads for these cluster settings, and kubeadm-certs is sealed with the node's
// certificate key, so download-certs really decrypts it. The key material is throwaway (the joiner has none of
// the cluster's: CAs, the service-account key pair, the encryption key), and so discovery pins the throwaway
// cluster CA besides node.yaml's pins, as kubeadm adds its dry-run hash. Nothing here reaches the network: the
// dry run is the same before the cluster exists.
import { randomBytes } from 'node:crypto';
import {
  CLUSTER_INFO_CONFIGMAP,
  KUBE_PUBLIC,
  KUBE_SYSTEM,
  KUBEADM_CERTS_SECRET,
  KUBELET_CONFIG_CONFIGMAP,
  PKI,
  encryptionConfiguration,
  kubeletConfigConfigMap,
  type KubeClusterSpec,
} from '../kube/index.js';
import { buildClusterInfoKubeconfig, caCertHash, createCA, createCertAndKey, generateKeyPair, serializeKubeconfig } from '../pki/index.js';
import { clusterInfoConfigMap } from '../cluster/bootstrap-token.js';
import { computeDetachedJWS } from '../cluster/jws.js';
import { ENCRYPTION_CONFIG_TRANSFER_NAME, certsToTransfer, kubeadmCertsSecret, sealKubeadmCert } from '../cluster/kubeadm-certs.js';
import type { NodeBootConfig } from '../contract/config.js';
import type { CertKeyPair } from '../pki/types.js';
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

/** kubeadm-certs' files (certsToTransfer's names) with throwaway content: `ca` and new CAs, keys, an encryption key. */
async function kubeadmCertsFiles(cluster: KubeClusterSpec, ca: CertKeyPair): Promise<Map<string, Buffer>> {
  const { keyAlgorithm: algorithm, caValidityHours: validityHours } = cluster.certificates;
  const newCA = (commonName: string) => createCA({ commonName, algorithm, validityHours });
  const [frontProxyCA, etcdCA, sa] = await Promise.all([newCA('front-proxy-ca'), newCA('etcd-ca'), generateKeyPair(algorithm)]);
  const etcdClient = cluster.etcd.external ? await createCertAndKey({ commonName: 'kube-apiserver-etcd-client', usages: ['clientAuth'], validityHours, algorithm }, etcdCA) : undefined;
  const content: Record<string, string | undefined> = {
    [PKI.caCert]: ca.cert,
    [PKI.caKey]: ca.key,
    [PKI.frontProxyCACert]: frontProxyCA.cert,
    [PKI.frontProxyCAKey]: frontProxyCA.key,
    [PKI.saPrivateKey]: sa.key,
    [PKI.saPublicKey]: sa.pub,
    [PKI.etcdCACert]: etcdCA.cert,
    [PKI.etcdCAKey]: etcdCA.key,
    'external-etcd-ca.crt': etcdCA.cert,
    'external-etcd.crt': etcdClient?.cert,
    'external-etcd.key': etcdClient?.key,
    [ENCRYPTION_CONFIG_TRANSFER_NAME]: cluster.encryptionAtRest ? toYaml(encryptionConfiguration(randomBytes(32).toString('base64'))) : undefined,
  };
  const names = certsToTransfer(cluster.etcd.external !== undefined, { encryptionAtRest: cluster.encryptionAtRest });
  return new Map(
    names.map((name) => {
      const text = content[name];
      if (text === undefined) throw new Error(`internal: the dry run has no simulated ${name} for ${KUBEADM_CERTS_SECRET}`);
      return [name, Buffer.from(text)];
    }),
  );
}

/** The objects a joiner reads, for this node.yaml; kubeadm-certs only when asked (its keys take the longest). */
export async function simulateCluster(config: NodeBootConfig, cluster: KubeClusterSpec, options: { kubeadmCerts: boolean }): Promise<SimulatedCluster> {
  const { keyAlgorithm: algorithm, caValidityHours: validityHours } = cluster.certificates;
  const ca = await createCA({ commonName: 'kubernetes', algorithm, validityHours });
  const [tokenID = '', tokenSecret = ''] = config.discovery.token.split('.');
  const kubeconfig = serializeKubeconfig(buildClusterInfoKubeconfig({ server: `https://${config.discovery.apiServerEndpoint}`, caCertPem: ca.cert }));
  const clusterInfo = clusterInfoConfigMap(kubeconfig);
  clusterInfo.data![`jws-kubeconfig-${tokenID}`] = computeDetachedJWS(kubeconfig, tokenID, tokenSecret);

  const objects = new Map<string, unknown>([
    [objectPath(KUBE_PUBLIC, 'configmaps', CLUSTER_INFO_CONFIGMAP), clusterInfo],
    [objectPath(KUBE_SYSTEM, 'configmaps', KUBELET_CONFIG_CONFIGMAP), kubeletConfigConfigMap(cluster)],
  ]);
  const key = config.certificateKey;
  if (options.kubeadmCerts && key) {
    const sealed = new Map([...(await kubeadmCertsFiles(cluster, ca))].map(([name, content]) => [name, sealKubeadmCert(key, content)]));
    objects.set(objectPath(KUBE_SYSTEM, 'secrets', KUBEADM_CERTS_SECRET), kubeadmCertsSecret(sealed, { tokenID: 'dryrun', uid: 'dry-run' }));
  }
  const names = [...objects.values()].map((o) => {
    const { kind, metadata } = o as { kind: string; metadata: { namespace: string; name: string } };
    return `${kind} ${metadata.namespace}/${metadata.name}`;
  });
  return { caPin: caCertHash(ca.cert), names, get: (path) => objects.get(path) };
}
