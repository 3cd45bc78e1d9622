// What kubeadm's upload-config phase stores in the cluster: the ClusterConfiguration in
// kube-system/kubeadm-config (in the kubeadm API version of the cluster's release), the cluster-wide
// KubeletConfiguration in kube-system/kubelet-config, the Roles/RoleBindings that let joining nodes read
// both, and the kubeadm:cluster-admins binding behind admin.conf
// (upstream: cmd/kubeadm/app/phases/uploadconfig/uploadconfig.go; phases/kubelet/config.go
// CreateConfigMap, createConfigMapRBACRules; phases/kubeconfig (EnsureAdminClusterRoleBinding);
// apis/kubeadm/v1beta3 and v1beta4 types.go).
import { toYaml } from '../yaml.js';
import { externalEtcdOf, localEtcdOf, requireVersion, type KubeClusterSpec } from './cluster.js';
import {
  CERTIFICATES_DIR,
  CLUSTER_ADMINS_GROUP,
  CLUSTER_CONFIGURATION_KEY,
  ENCRYPTION_CONFIG_FILE,
  EXTERNAL_ETCD_CA_FILE,
  EXTERNAL_ETCD_CERT_FILE,
  EXTERNAL_ETCD_KEY_FILE,
  KUBE_SYSTEM,
  KUBEADM_CONFIG_CONFIGMAP,
  KUBELET_CONFIG_CONFIGMAP,
  KUBELET_CONFIG_KEY,
  NODE_BOOTSTRAP_TOKEN_AUTH_GROUP,
  NODES_GROUP,
} from './constants.js';
import { signConfigMap } from './componentconfig.js';
import { clusterKubeletConfiguration } from './kubelet.js';
import { joinHostPort } from '../net.js';
import { clusterRoleBinding, coreRule, group, role, roleBinding } from './rbac.js';
import type { ClusterRoleBinding, ConfigMap, Role, RoleBinding } from './types.js';

export const NODES_KUBEADM_CONFIG_ROLE = 'kubeadm:nodes-kubeadm-config';
export const KUBELET_CONFIG_ROLE = 'kubeadm:kubelet-config';
export const CLUSTER_ADMINS_BINDING = 'kubeadm:cluster-admins';

/** Go's time.Duration text for whole hours: 8760h0m0s. */
function hoursDuration(hours: number): string {
  return `${hours}h0m0s`;
}

function sortedEntries(args: Record<string, string>): Array<[string, string]> {
  return Object.entries(args).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** v1beta3 keeps extraArgs as a map, v1beta4 as a list of {name, value}; empty ones are omitted. */
function extraArgs(args: Record<string, string>, beta4: boolean): unknown {
  const entries = sortedEntries(args);
  if (entries.length === 0) return undefined;
  return beta4 ? entries.map(([name, value]) => ({ name, value })) : Object.fromEntries(entries);
}

function component(args: Record<string, string>, beta4: boolean): Record<string, unknown> {
  return { extraArgs: extraArgs(args, beta4) };
}

/**
 * The API server flags kubeadm must add to its own when it regenerates the manifest (`kubeadm upgrade`,
 * phases/controlplane/manifests.go: its base flags, then ClusterConfiguration apiServer.extraArgs): the user's,
 * plus --encryption-provider-config with encryptionAtRest, which kubeadm has no field for. The file lives in
 * certificatesDir, which kubeadm mounts anyway (volumes.go, volume k8s-certs), so no extraVolume is recorded: one
 * would mount the same path twice.
 */
function apiServerExtraArgs(cluster: KubeClusterSpec): Record<string, string> {
  return { ...(cluster.encryptionAtRest ? { 'encryption-provider-config': ENCRYPTION_CONFIG_FILE } : {}), ...cluster.apiServer.extraArgs };
}

/**
 * The ClusterConfiguration document kubeadm would upload for this cluster. Under v1beta3 (v1.30) the
 * key algorithm and certificate lifetimes have no field: ECDSA is expressed with the PublicKeysECDSA
 * feature gate, RSA sizes other than 2048 and non-default validities are not representable.
 */
export function clusterConfiguration(cluster: KubeClusterSpec): Record<string, unknown> {
  const apiVersion = requireVersion(cluster.kubernetesVersion).kubeadmConfigAPIVersion;
  const beta4 = apiVersion === 'kubeadm.k8s.io/v1beta4';
  const local = localEtcdOf(cluster);
  const etcd = local
    ? { local: { dataDir: local.dataDir, extraArgs: extraArgs(local.extraArgs, beta4) } }
    : { external: { endpoints: externalEtcdOf(cluster)?.endpoints ?? [], caFile: EXTERNAL_ETCD_CA_FILE, certFile: EXTERNAL_ETCD_CERT_FILE, keyFile: EXTERNAL_ETCD_KEY_FILE } };
  const { host, port } = cluster.controlPlaneEndpoint;
  return {
    apiVersion,
    kind: 'ClusterConfiguration',
    apiServer: {
      certSANs: cluster.apiServer.certSANs.length > 0 ? cluster.apiServer.certSANs : undefined,
      extraArgs: extraArgs(apiServerExtraArgs(cluster), beta4),
      timeoutForControlPlane: beta4 ? undefined : '4m0s',
    },
    caCertificateValidityPeriod: beta4 ? hoursDuration(cluster.certificates.caValidityHours) : undefined,
    certificateValidityPeriod: beta4 ? hoursDuration(cluster.certificates.validityHours) : undefined,
    certificatesDir: CERTIFICATES_DIR,
    clusterName: cluster.name,
    controlPlaneEndpoint: joinHostPort(host, port),
    controllerManager: component(cluster.controllerManager.extraArgs, beta4),
    dns: {},
    encryptionAlgorithm: beta4 ? cluster.certificates.keyAlgorithm : undefined,
    etcd,
    featureGates: !beta4 && cluster.certificates.keyAlgorithm === 'ECDSA-P256' ? { PublicKeysECDSA: true } : undefined,
    imageRepository: cluster.imageRepository,
    kubernetesVersion: cluster.kubernetesVersion,
    networking: {
      dnsDomain: cluster.networking.dnsDomain,
      podSubnet: cluster.networking.podSubnet || undefined,
      serviceSubnet: cluster.networking.serviceSubnet,
    },
    proxy: beta4 ? {} : undefined,
    scheduler: component(cluster.scheduler.extraArgs, beta4),
  };
}

/** ConfigMap kube-system/kubeadm-config, key ClusterConfiguration. */
export function kubeadmConfigConfigMap(cluster: KubeClusterSpec): ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: KUBEADM_CONFIG_CONFIGMAP, namespace: KUBE_SYSTEM },
    data: { [CLUSTER_CONFIGURATION_KEY]: toYaml(clusterConfiguration(cluster)) },
  };
}

/**
 * ConfigMap kube-system/kubelet-config, key kubelet. Signed with the component-config hash when the
 * configuration is kubeadm's own (cluster.kubelet empty), as phases/kubelet/config.go CreateConfigMap does
 * for a configuration the user did not supply.
 */
export function kubeletConfigConfigMap(cluster: Pick<KubeClusterSpec, 'networking' | 'kubelet'>): ConfigMap {
  const cm: ConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: KUBELET_CONFIG_CONFIGMAP, namespace: KUBE_SYSTEM },
    data: { [KUBELET_CONFIG_KEY]: toYaml(clusterKubeletConfiguration(cluster)) },
  };
  return Object.keys(cluster.kubelet).length === 0 ? signConfigMap(cm) : cm;
}

const nodeReaders = () => [group(NODE_BOOTSTRAP_TOKEN_AUTH_GROUP), group(NODES_GROUP)];

/** Joining nodes (token holders) and nodes may get kubeadm-config (uploadconfig.go). */
export function kubeadmConfigRBAC(): [Role, RoleBinding] {
  return [
    role(KUBE_SYSTEM, NODES_KUBEADM_CONFIG_ROLE, [coreRule(['get'], ['configmaps'], [KUBEADM_CONFIG_CONFIGMAP])]),
    roleBinding(KUBE_SYSTEM, NODES_KUBEADM_CONFIG_ROLE, nodeReaders()),
  ];
}

/** Nodes and token holders may get kubelet-config (phases/kubelet/config.go createConfigMapRBACRules). */
export function kubeletConfigRBAC(): [Role, RoleBinding] {
  return [
    role(KUBE_SYSTEM, KUBELET_CONFIG_ROLE, [coreRule(['get'], ['configmaps'], [KUBELET_CONFIG_CONFIGMAP])]),
    roleBinding(KUBE_SYSTEM, KUBELET_CONFIG_ROLE, [group(NODES_GROUP), group(NODE_BOOTSTRAP_TOKEN_AUTH_GROUP)]),
  ];
}

/** cluster-admin for the kubeadm:cluster-admins group, the Organization of admin.conf's client certificate. */
export function clusterAdminsBinding(): ClusterRoleBinding {
  return clusterRoleBinding(CLUSTER_ADMINS_BINDING, 'cluster-admin', [group(CLUSTER_ADMINS_GROUP)]);
}
