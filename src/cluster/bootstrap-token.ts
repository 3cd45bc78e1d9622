// Bootstrap tokens and cluster-info as kubeadm's bootstrap-token phase writes them, for both seats: the
// token Secret(s), the cluster-info ConfigMap in kube-public readable by anonymous (the controller-manager's
// bootstrapsigner signs it per token; discovery.ts verifies that signature), and the bindings that let
// token holders post CSRs, get them auto-approved, renew their client certificate and read nodes
// (upstream: cmd/kubeadm/app/phases/bootstraptoken/node/token.go, tlsbootstrap.go;
// phases/bootstraptoken/clusterinfo/clusterinfo.go; apis/bootstraptoken/v1/utils.go BootstrapTokenToSecret;
// k8s.io/cluster-bootstrap/token/api/types.go).
import type { BootstrapToken } from '../secrets/types.js';
import {
  ANONYMOUS_USER,
  BOOTSTRAP_TOKEN_SECRET_PREFIX,
  BOOTSTRAP_TOKEN_SECRET_TYPE,
  CLUSTER_INFO_CONFIGMAP,
  CLUSTER_INFO_KUBECONFIG_KEY,
  KUBE_PUBLIC,
  KUBE_SYSTEM,
  NODE_BOOTSTRAP_TOKEN_AUTH_GROUP,
  NODES_GROUP,
} from '../kube/constants.js';
import { clusterRole, clusterRoleBinding, coreRule, group, role, roleBinding, user } from '../kube/rbac.js';
import type { ClusterRole, ClusterRoleBinding, ConfigMap, Role, RoleBinding, Secret } from '../kube/types.js';
import type { ApiClient } from './api-client.js';

export const BOOTSTRAP_SIGNER_CLUSTERINFO = 'kubeadm:bootstrap-signer-clusterinfo';
export const KUBELET_BOOTSTRAP_BINDING = 'kubeadm:kubelet-bootstrap';
export const NODE_AUTOAPPROVE_BOOTSTRAP_BINDING = 'kubeadm:node-autoapprove-bootstrap';
export const NODE_AUTOAPPROVE_ROTATION_BINDING = 'kubeadm:node-autoapprove-certificate-rotation';
export const GET_NODES = 'kubeadm:get-nodes';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

export function bootstrapTokenSecretName(tokenID: string): string {
  return `${BOOTSTRAP_TOKEN_SECRET_PREFIX}${tokenID}`;
}

/**
 * Secret kube-system/bootstrap-token-<id>. Keys in kubeadm's order; optional ones only when set
 * (description, expiration, auth-extra-groups), usages as usage-bootstrap-<usage>: "true".
 */
export function bootstrapTokenSecret(token: BootstrapToken): Secret {
  const data: Record<string, string> = { 'token-id': b64(token.id), 'token-secret': b64(token.secret) };
  if (token.description) data.description = b64(token.description);
  if (token.expiration) data.expiration = b64(token.expiration);
  for (const usage of token.usages) data[`usage-bootstrap-${usage}`] = b64('true');
  if (token.groups.length > 0) data['auth-extra-groups'] = b64(token.groups.join(','));
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: bootstrapTokenSecretName(token.id), namespace: KUBE_SYSTEM },
    type: BOOTSTRAP_TOKEN_SECRET_TYPE,
    data,
  };
}

/** ConfigMap kube-public/cluster-info; `kubeconfig` holds one cluster (server + CA data) and nothing else. */
export function clusterInfoConfigMap(kubeconfig: string): ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: CLUSTER_INFO_CONFIGMAP, namespace: KUBE_PUBLIC },
    data: { [CLUSTER_INFO_KUBECONFIG_KEY]: kubeconfig },
  };
}

/** Anonymous may get exactly the cluster-info ConfigMap (clusterinfo.go CreateClusterInfoRBACRules). */
export function clusterInfoRBAC(): [Role, RoleBinding] {
  return [
    role(KUBE_PUBLIC, BOOTSTRAP_SIGNER_CLUSTERINFO, [coreRule(['get'], ['configmaps'], [CLUSTER_INFO_CONFIGMAP])]),
    roleBinding(KUBE_PUBLIC, BOOTSTRAP_SIGNER_CLUSTERINFO, [user(ANONYMOUS_USER)]),
  ];
}

/**
 * tlsbootstrap.go: token holders may create CSRs (system:node-bootstrapper), their node-client CSRs are
 * auto-approved, nodes may renew their own client certificate, and token holders may get nodes
 * (join checks whether a Node of its name already exists).
 */
export function tlsBootstrapRBAC(): [ClusterRoleBinding, ClusterRoleBinding, ClusterRoleBinding, ClusterRole, ClusterRoleBinding] {
  const tokenGroup = [group(NODE_BOOTSTRAP_TOKEN_AUTH_GROUP)];
  return [
    clusterRoleBinding(KUBELET_BOOTSTRAP_BINDING, 'system:node-bootstrapper', tokenGroup),
    clusterRoleBinding(NODE_AUTOAPPROVE_BOOTSTRAP_BINDING, 'system:certificates.k8s.io:certificatesigningrequests:nodeclient', tokenGroup),
    clusterRoleBinding(NODE_AUTOAPPROVE_ROTATION_BINDING, 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', [group(NODES_GROUP)]),
    clusterRole(GET_NODES, [coreRule(['get'], ['nodes'])]),
    clusterRoleBinding(GET_NODES, GET_NODES, tokenGroup),
  ];
}

/**
 * Creates kube-public/cluster-info, or points its kubeconfig at `kubeconfig` when it differs
 * (clusterinfo.go CreateBootstrapConfigMapIfNotExists). A merge patch keeps the jws-kubeconfig-<id>
 * signatures the bootstrapsigner added (it re-signs the new content).
 */
export async function publishClusterInfo(api: ApiClient, kubeconfig: string): Promise<void> {
  const existing = await api.getIfExists<ConfigMap>('v1', 'ConfigMap', CLUSTER_INFO_CONFIGMAP, KUBE_PUBLIC);
  if (!existing) {
    await api.create(clusterInfoConfigMap(kubeconfig));
  } else if (existing.data?.[CLUSTER_INFO_KUBECONFIG_KEY] !== kubeconfig) {
    await api.patch(existing, { data: { [CLUSTER_INFO_KUBECONFIG_KEY]: kubeconfig } }, 'merge');
  }
}
