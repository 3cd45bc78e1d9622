// NodeBootConfig: everything one node needs at first boot, and nothing more. `kgen render` writes it
// to /etc/kgen/node.yaml through user-data; `kgen-boot` reads it. One place (src/secrets/for-role.ts)
// decides what each role receives:
//   init control-plane:    CA key pairs, service-account key pair, bootstrap tokens, certificate key.
//   joining control-plane: endpoint, bootstrap token, CA pin, certificate key. No private keys.
//   worker:                endpoint, bootstrap token, CA pin. No key material at all.
import type { ClusterSpec, NodeSpec } from '../inventory/types.js';
import type { CertKeyPair } from '../pki/types.js';
import type { BootstrapToken } from '../secrets/types.js';

export const NODE_BOOT_CONFIG_API_VERSION = 'kgen.dev/v1alpha1';
export const NODE_BOOT_CONFIG_KIND = 'NodeBootConfig';

/** Cluster settings as the node sees them: the inventory's cluster minus operator-side details. */
export type BootClusterSpec = Omit<ClusterSpec, 'addons' | 'pxe' | 'etcd' | 'certificateRenewal'> & {
  etcd: { local: ClusterSpec['etcd']['local'] } | { external: { endpoints: string[] } };
  addons: {
    coreDNS: { enabled: boolean };
    kubeProxy: { enabled: boolean; mode: string };
    /** Multi-document YAML applied by the addon phase (init node only). */
    cniManifest?: string;
  };
};

export interface InitSecrets {
  ca: CertKeyPair;
  frontProxyCA: CertKeyPair;
  etcdCA?: CertKeyPair;
  sa: { key: string; pub: string };
  /** External etcd client material (external etcd only); uploaded to kubeadm-certs for joiners. */
  externalEtcd?: { ca: string; cert: string; key: string };
  /** EncryptionConfiguration key (encryptionAtRest only). */
  encryptionKey?: string;
  /** Tokens the init node registers as bootstrap-token Secrets. */
  bootstrapTokens: BootstrapToken[];
}

export interface Discovery {
  /** host:port of the control-plane endpoint. */
  apiServerEndpoint: string;
  /** The bootstrap token this node joins with: "<id>.<secret>". */
  token: string;
  /** CA public-key pins, "sha256:<hex>" (kubeadm --discovery-token-ca-cert-hash). */
  caCertHashes: string[];
  timeoutSeconds: number;
}

export interface NodeBootConfig {
  apiVersion: typeof NODE_BOOT_CONFIG_API_VERSION;
  kind: typeof NODE_BOOT_CONFIG_KIND;
  node: Omit<NodeSpec, 'arch' | 'mac' | 'uuid' | 'serial' | 'network' | 'kernelArgs'> & { generation: number };
  cluster: BootClusterSpec;
  /** Every node: how to reach and trust the control plane (init node: to verify its own cluster-info). */
  discovery: Discovery;
  /** Control-plane nodes only: 64 hex chars, decrypts kubeadm-certs (init node: encrypts it). */
  certificateKey?: string;
  /** Init node only. */
  secrets?: InitSecrets;
}
