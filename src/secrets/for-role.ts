// The one place that decides what each node receives (docs/architecture.md "What each role receives"):
//   init control-plane:    CA key pairs, service-account key pair, bootstrap tokens, certificate key.
//   joining control-plane: endpoint, bootstrap token, CA pin, certificate key. No private keys.
//   worker:                endpoint, bootstrap token, CA pin. No key material at all.
// Everything else a node gets is cluster settings, with operator-side details (PXE, file paths) left out.
import type { Inventory, NodeSpec } from '../inventory/types.js';
import type { BootClusterSpec, InitSecrets, NodeBootConfig } from '../contract/config.js';
import { NODE_BOOT_CONFIG_API_VERSION, NODE_BOOT_CONFIG_KIND } from '../contract/config.js';
import type { BootstrapToken, SecretsBundle } from './types.js';
import { tokenString } from './tokens.js';

export interface RoleInputs {
  inventory: Inventory;
  node: NodeSpec;
  /** The release this node is rendered at: the inventory's, or an older one while the rollout has not reached it (src/upgrade/node-version.ts). */
  kubernetesVersion: string;
  bundle: SecretsBundle;
  /** sha256:<hex> of the cluster CA's SubjectPublicKeyInfo. */
  caCertHash: string;
  /** The token this node joins with (the cluster token, or its own after --reimage). */
  joinToken: BootstrapToken;
  generation: number;
  /** Tokens the init node registers: the cluster's own, not those made later for reimaged nodes. */
  initTokens: BootstrapToken[];
  /** External etcd client material read from the inventory's files (external etcd only). */
  externalEtcd?: { ca: string; cert: string; key: string };
}

export function bootConfigFor(inputs: RoleInputs): NodeBootConfig {
  const { inventory, node, bundle } = inputs;
  const { cluster } = inventory;
  const { host, port } = cluster.controlPlaneEndpoint;
  const config: NodeBootConfig = {
    apiVersion: NODE_BOOT_CONFIG_API_VERSION,
    kind: NODE_BOOT_CONFIG_KIND,
    node: {
      name: node.name,
      role: node.role,
      init: node.init,
      address: node.address,
      kubelet: node.kubelet,
      labels: node.labels,
      taints: node.taints,
      generation: inputs.generation,
    },
    cluster: bootCluster(inventory, node, inputs.kubernetesVersion),
    discovery: {
      apiServerEndpoint: host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`,
      token: tokenString(inputs.joinToken),
      caCertHashes: [inputs.caCertHash],
      timeoutSeconds: cluster.boot.discoveryTimeoutSeconds,
    },
  };
  if (node.role === 'control-plane') config.certificateKey = bundle.certificateKey;
  if (node.init) config.secrets = initSecrets(inputs);
  return config;
}

function initSecrets({ bundle, externalEtcd, initTokens }: RoleInputs): InitSecrets {
  return {
    ca: bundle.ca,
    frontProxyCA: bundle.frontProxyCA,
    etcdCA: bundle.etcdCA,
    sa: bundle.sa,
    externalEtcd,
    encryptionKey: bundle.encryptionKey,
    bootstrapTokens: initTokens,
  };
}

function bootCluster({ cluster }: Inventory, node: NodeSpec, kubernetesVersion: string): BootClusterSpec {
  // certificateRenewal reaches the node as the timer in its user-data (generators/cloud-config.ts).
  const { addons, pxe: _pxe, certificateRenewal: _renewal, etcd, ...rest } = cluster;
  return {
    ...rest,
    kubernetesVersion,
    etcd: etcd.external ? { external: { endpoints: etcd.external.endpoints } } : { local: etcd.local },
    addons: {
      coreDNS: addons.coreDNS,
      kubeProxy: addons.kubeProxy,
      // Only the init node applies add-ons.
      cniManifest: node.init ? addons.cni?.manifest : undefined,
    },
  };
}
