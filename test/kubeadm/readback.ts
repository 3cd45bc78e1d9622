// What `kubeadm upgrade` reads back from a node and from the cluster before it changes anything, as executable
// checks over what kgen wrote (the contract that lets an operator run kubeadm on a kgen node):
//   - GetNodeRegistration (cmd/kubeadm/app/util/config/cluster.go): the node name from kubelet.conf's client
//     certificate (getNodeNameFromKubeletConfig: CN minus "system:node:"), the Node of that name, its CRI socket
//     from /var/lib/kubelet/instance-config.yaml when NodeLocalCRISocket is on and the file exists, else from
//     the kubeadm.alpha.kubernetes.io/cri-socket annotation (an error when it is missing), and its taints;
//   - the ClusterConfiguration in kube-system/kubeadm-config, decoded (v1beta3 extraArgs as a map, v1beta4 as a
//     list of {name, value}) into what kubeadm regenerates the control-plane manifests from.
// Errors carry kubeadm's own messages.
import { X509Certificate } from 'node:crypto';
import { parse } from 'yaml';

export const ANNOTATION_CRI_SOCKET = 'kubeadm.alpha.kubernetes.io/cri-socket';

export interface NodeObject {
  metadata: { name: string; annotations?: Record<string, string> };
  spec?: { taints?: Array<{ key: string; value?: string; effect: string }> };
}

export interface NodeRegistration {
  name: string;
  criSocket: string;
  taints: NonNullable<NonNullable<NodeObject['spec']>['taints']>;
}

/** getNodeNameFromKubeletConfig: the current context's user's client certificate (embedded or a file), CN without system:node:. */
export function nodeNameFromKubeletConf(kubeletConf: string, readFile: (path: string) => string): string {
  const config = parse(kubeletConf) as {
    'current-context': string;
    contexts: Array<{ name: string; context: { user: string } }>;
    users: Array<{ name: string; user: { 'client-certificate-data'?: string; 'client-certificate'?: string } }>;
  };
  const context = config.contexts.find((c) => c.name === config['current-context']);
  if (!context) throw new Error(`invalid kubeconfig file: missing context ${config['current-context']}`);
  const user = config.users.find((u) => u.name === context.context.user)?.user;
  if (!user) throw new Error(`invalid kubeconfig file: missing AuthInfo ${context.context.user}`);
  const pem = user['client-certificate-data'] ? Buffer.from(user['client-certificate-data'], 'base64').toString() : user['client-certificate'] ? readFile(user['client-certificate']) : undefined;
  if (!pem) throw new Error('invalid kubeconfig file. x509 certificate expected');
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(new X509Certificate(pem).subject)?.[1] ?? '';
  return cn.replace(/^system:node:/, '');
}

/** GetNodeRegistration once the Node was fetched by the name nodeNameFromKubeletConf gives. */
export function nodeRegistration(node: NodeObject, nodeLocalCRISocket: boolean, instanceConfig: string | undefined): NodeRegistration {
  const missingAnnotation = new Error(`node ${node.metadata.name} doesn't have ${ANNOTATION_CRI_SOCKET} annotation`);
  let criSocket: string | undefined;
  if (nodeLocalCRISocket && instanceConfig !== undefined) {
    criSocket = (parse(instanceConfig) as { containerRuntimeEndpoint?: string } | null)?.containerRuntimeEndpoint ?? '';
  } else {
    criSocket = node.metadata.annotations?.[ANNOTATION_CRI_SOCKET];
    if (criSocket === undefined) throw missingAnnotation;
  }
  return { name: node.metadata.name, criSocket, taints: node.spec?.taints ?? [] };
}

/** The ClusterConfiguration's component flags as kubeadm decodes them (both API versions), name → value. */
export function decodedExtraArgs(clusterConfiguration: string, component: 'apiServer' | 'controllerManager' | 'scheduler'): Record<string, string> {
  const doc = parse(clusterConfiguration) as Record<string, { extraArgs?: Record<string, string> | Array<{ name: string; value: string }> } | undefined>;
  const args = doc[component]?.extraArgs ?? {};
  return Array.isArray(args) ? Object.fromEntries(args.map((a) => [a.name, a.value])) : args;
}
