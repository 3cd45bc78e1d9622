// join phase "kubelet-start": with the bootstrap token, refuse to join under the name of a Node that is
// already Ready, write the kubelet's configuration (downloaded from kube-system/kubelet-config),
// kubeadm-flags.env, bootstrap-kubelet.conf and the cluster CA, (re)start the kubelet, wait for its TLS
// bootstrap to produce kubelet.conf, then remove bootstrap-kubelet.conf and, before v1.34, annotate the Node with
// its CRI socket as the kubelet (upstream: cmd/kubeadm/app/cmd/phases/join/kubelet.go runKubeletStartJoinPhase,
// runKubeletWaitBootstrapPhase, waitForTLSBootstrappedClient). Where ControlPlaneKubeletLocalMode applies, a
// control-plane joiner's bootstrap-kubelet.conf names its own API server and the wait is the later phase
// "kubelet-wait-bootstrap", after its etcd member joined (join/index.ts).
// The Node check runs before anything is written, so a refused join leaves nothing behind. A node whose own
// kubelet.conf already exists (an earlier attempt that got this far) is the Node, not a namesake.
import {
  KUBELET_BOOTSTRAP_KUBECONFIG,
  KUBELET_CONFIG_CONFIGMAP,
  KUBELET_ENV_FILE,
  KUBELET_KUBECONFIG,
  KUBE_SYSTEM,
  PKI,
  API_SERVER_BIND_PORT,
  kubeadmFlagsEnv,
  requireVersion,
  pkiPath,
  type ConfigMap,
} from '../../../kube/index.js';
import { certSignedBy, parseCertificate } from '../../../pki/index.js';
import { tlsFromKubeconfig } from '../../../cluster/api-client.js';
import { writeKubeletConfigToDisk } from '../../node/kubelet-config.js';
import { bootstrapKubeletConf, isNodeReady, joinKubeletConfiguration, nodeExistsMessage } from '../../node/kubelet-join.js';
import type { Phase } from '../../runner.js';
import { pollUntil } from '../../wait.js';
import type { BootData } from '../../data.js';
import { writeIfChanged } from '../../node/files.js';
import { registeredNodeName } from '../../node/mark-control-plane.js';
import { isControlPlane } from '../../data.js';
import { joinHostPort } from '../../../net.js';
import { annotateCRISocket } from '../../node/cri-socket.js';

const TAG = 'kubelet-start';

/** Whether this node's kubelet.conf holds a client certificate for the Node, signed by the cluster CA. */
async function ownsNode(data: BootData, name: string, caCertPem: string): Promise<boolean> {
  const text = await data.host.readTextIfExists(KUBELET_KUBECONFIG);
  if (text === undefined) return false;
  try {
    const tls = await tlsFromKubeconfig(text, KUBELET_KUBECONFIG, (p) => data.host.readText(p));
    if (tls.credentials.kind !== 'certificate' || !certSignedBy(tls.credentials.cert, caCertPem)) return false;
    return parseCertificate(tls.credentials.cert).subject.commonName === `system:node:${name}`;
  } catch {
    return false;
  }
}

async function run(data: BootData): Promise<void> {
  const { host, log, config, cluster } = data;
  const info = await data.join.discovered();
  const api = await data.join.client();
  const name = registeredNodeName(data);

  log.phase(TAG, `Checking for an existing Node in the cluster with name "${name}" and status "Ready"`);
  if (!(await ownsNode(data, name, info.caCertPem))) {
    const node = await api.getIfExists<{ apiVersion: string; kind: string; metadata: { name: string }; status?: { conditions?: Array<{ type: string; status: string }> } }>('v1', 'Node', name);
    if (isNodeReady(node)) throw new Error(nodeExistsMessage(name));
  }

  log.phase(TAG, `Downloading configuration for the kubelet from the "${KUBELET_CONFIG_CONFIGMAP}" ConfigMap in the ${KUBE_SYSTEM} namespace`);
  const cm = await api.getIfExists<ConfigMap>('v1', 'ConfigMap', KUBELET_CONFIG_CONFIGMAP, KUBE_SYSTEM);
  const kubeletConfig = joinKubeletConfiguration(cm, config.node);

  await writeKubeletConfigToDisk(data, kubeletConfig, TAG);
  log.phase(TAG, `Writing kubelet environment file with flags to file "${KUBELET_ENV_FILE}"`);
  await host.writeFile(KUBELET_ENV_FILE, kubeadmFlagsEnv(cluster, config.node));
  await writeIfChanged(host, pkiPath(PKI.caCert), info.caCertPem);
  // GetLocalAPIEndpoint: the node's advertise address and the API server's bind port.
  const server = kubeletLocalMode(data) ? `https://${joinHostPort(config.node.address, API_SERVER_BIND_PORT)}` : info.server;
  await host.writeFile(
    KUBELET_BOOTSTRAP_KUBECONFIG,
    bootstrapKubeletConf({ clusterName: config.cluster.name, server, caCertPem: info.caCertPem, token: config.discovery.token }),
    { mode: 0o600 },
  );

  log.phase(TAG, 'Starting the kubelet');
  await host.services.restart('kubelet');
  if (!kubeletLocalMode(data)) await waitForKubeletBootstrap(data);
}

/** A control-plane joiner whose release has ControlPlaneKubeletLocalMode: its kubelet bootstraps against its own API server. */
export function kubeletLocalMode(data: BootData): boolean {
  return isControlPlane(data) && requireVersion(data.cluster.kubernetesVersion).controlPlaneKubeletLocalMode;
}

/** runKubeletWaitBootstrapPhase: the TLS bootstrap's kubelet.conf, bootstrap-kubelet.conf removed, the Node annotated. */
export async function waitForKubeletBootstrap(data: BootData): Promise<void> {
  const { host, log, timeouts } = data;
  if (host.dryRun) {
    // No kubelet runs in a dry run: what follows the bootstrap is printed with the bootstrap token's client.
    log.phase('dryrun', `Would wait for the kubelet to perform the TLS Bootstrap and write ${KUBELET_KUBECONFIG}`);
    await host.remove(KUBELET_BOOTSTRAP_KUBECONFIG);
    await annotateCRISocket(data, await data.join.client(), TAG);
    return;
  }
  log.phase('kubelet-check', `Waiting for the kubelet to perform the TLS Bootstrap. This can take up to ${Math.round(timeouts.controlPlaneMs / 1000)}s`);
  // As waitForTLSBootstrappedClient: kubelet.conf exists and every file it refers to can be read.
  await pollUntil(`the kubelet to write ${KUBELET_KUBECONFIG} (TLS bootstrap); check the kubelet's log (journalctl -u kubelet)`, {
    clock: host.clock,
    timeoutMs: timeouts.controlPlaneMs,
    intervalMs: timeouts.pollMs,
    progress: (m) => log.phase('kubelet-check', m),
  }, async () => {
    const text = await host.readTextIfExists(KUBELET_KUBECONFIG);
    if (text === undefined) return undefined;
    const tls = await tlsFromKubeconfig(text, KUBELET_KUBECONFIG, (p) => host.readText(p));
    return tls.credentials.kind === 'certificate' ? true : undefined;
  });
  await host.remove(KUBELET_BOOTSTRAP_KUBECONFIG);
  log.phase(TAG, 'The kubelet performed the TLS Bootstrap');
  await annotateCRISocket(data, await data.client(KUBELET_KUBECONFIG), TAG);
}

export function joinKubeletStartPhase(): Phase<BootData> {
  return {
    name: 'kubelet-start',
    short: 'Write kubelet settings, certificates and (re)start the kubelet',
    long: 'Write a file with KubeletConfiguration and an environment file with node specific kubelet settings, and then (re)start kubelet.',
    run,
  };
}
