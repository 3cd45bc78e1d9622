// The joining kubelet's files and checks (upstream: cmd/kubeadm/app/cmd/phases/join/kubelet.go
// runKubeletStartJoinPhase, waitForTLSBootstrappedClient; phases/kubelet/config.go, flags.go;
// util/kubeconfig CreateWithToken): the KubeletConfiguration downloaded from kube-system/kubelet-config with
// this node's local settings applied, bootstrap-kubelet.conf with the bootstrap token, and the refusal to
// join under the name of a Node that is already Ready.
import { parse } from '../../yaml-input.js';
import { KUBELET_CONFIG_CONFIGMAP, KUBELET_CONFIG_KEY, KUBE_SYSTEM, type ConfigMap, type KubeletNode } from '../../kube/index.js';
import { buildKubeconfig, serializeKubeconfig } from '../../pki/index.js';

/** kubeadm's TokenUser: the user name in bootstrap-kubelet.conf. */
export const TLS_BOOTSTRAP_USER = 'tls-bootstrap-token-user';

/**
 * /var/lib/kubelet/config.yaml before kubeadm's on-node mutation (src/boot/node/kubelet-config.ts): the cluster's
 * KubeletConfiguration with the node-local fields kgen sets per node.
 */
export function joinKubeletConfiguration(cm: ConfigMap | undefined, node: Pick<KubeletNode, 'kubelet'>): Record<string, unknown> {
  const text = cm?.data?.[KUBELET_CONFIG_KEY];
  if (text === undefined) {
    throw new Error(
      `ConfigMap ${KUBE_SYSTEM}/${KUBELET_CONFIG_CONFIGMAP} (key "${KUBELET_CONFIG_KEY}") was not found; the init node uploads it in its upload-config phase. ` +
        'Check that the init node completed (`kgen-boot status` there), then run `kgen-boot run` here again',
    );
  }
  const config = parse(text) as Record<string, unknown>;
  if (node.kubelet.cgroupDriver) config.cgroupDriver = node.kubelet.cgroupDriver;
  if (node.kubelet.resolvConf) config.resolvConf = node.kubelet.resolvConf;
  return config;
}

/** bootstrap-kubelet.conf: the discovered server and CA under the cluster's name, authenticated by the bootstrap token (CreateWithToken; join.go names the cluster after ClusterConfiguration.clusterName). */
export function bootstrapKubeletConf(input: { clusterName: string; server: string; caCertPem: string; token: string }): string {
  return serializeKubeconfig(
    buildKubeconfig({ clusterName: input.clusterName, server: input.server, caCertPem: input.caCertPem, userName: TLS_BOOTSTRAP_USER, token: input.token }),
  );
}

interface NodeStatusLike {
  status?: { conditions?: Array<{ type: string; status: string }> };
}

/** True when the Node reports Ready=True (kubelet.go's check before the TLS bootstrap). */
export function isNodeReady(node: NodeStatusLike | undefined): boolean {
  return (node?.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

export function nodeExistsMessage(name: string): string {
  return (
    `a Node with name "${name}" and status "Ready" already exists in the cluster. You must delete the existing Node ` +
    `(kubectl delete node ${name}) or change the name of this new joining node in nodes.yaml and render again`
  );
}
