// The two files kubeadm's kubelet-start phase writes on every node: /var/lib/kubelet/config.yaml (a
// KubeletConfiguration = kubeadm's defaults under the cluster's own fields) and
// /var/lib/kubelet/kubeadm-flags.env (KUBELET_KUBEADM_ARGS="..." with the node-specific flags)
// (upstream: cmd/kubeadm/app/componentconfigs/kubelet.go Default, kubelet_unix.go mutateResolverConfig;
// cmd/kubeadm/app/phases/kubelet/flags.go buildKubeletArgsCommon, WriteKubeletDynamicEnvFile), and from v1.34
// (NodeLocalCRISocket) /var/lib/kubelet/instance-config.yaml with the CRI socket (phases/kubelet/config.go).
import type { NodeSpec, Taint } from '../inventory/types.js';
import { argumentsToCommand, type Args } from './args.js';
import { pauseImage, requireVersion, type KubeClusterSpec } from './cluster.js';
import { KUBELET_ENV_VARIABLE, MANIFESTS_DIR, PKI, pkiPath } from './constants.js';
import { isKubeletSettableLabel } from '../contract/labels.js';
import { dnsServiceIP } from '../net.js';

export const KUBELET_CONFIG_API_VERSION = 'kubelet.config.k8s.io/v1beta1';

export type KubeletConfiguration = { apiVersion: typeof KUBELET_CONFIG_API_VERSION; kind: 'KubeletConfiguration' } & Record<string, unknown>;

/** The node fields the kubelet files depend on. */
export type KubeletNode = Pick<NodeSpec, 'name' | 'role' | 'address' | 'kubelet' | 'labels' | 'taints'>;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `over` wins field by field; nested objects merge, arrays and scalars replace. */
function deepMerge(under: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...under };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
  }
  return out;
}

/**
 * The cluster-wide KubeletConfiguration, as uploaded to the kubelet-config ConfigMap: kubeadm's defaults
 * with cluster.kubelet on top (a user value wins; kubeadm only warns when it differs from its default),
 * except rotateCertificates, which kubeadm always forces to true.
 * Only the fields kubeadm sets are written; zero-valued fields Go's serializer adds are left out.
 */
export function clusterKubeletConfiguration(cluster: Pick<KubeClusterSpec, 'networking' | 'kubelet'>): KubeletConfiguration {
  const defaults: Record<string, unknown> = {
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: true },
      x509: { clientCAFile: pkiPath(PKI.caCert) },
    },
    authorization: { mode: 'Webhook' },
    cgroupDriver: 'systemd',
    clusterDNS: [dnsServiceIP(cluster.networking.serviceSubnet)],
    clusterDomain: cluster.networking.dnsDomain,
    healthzBindAddress: '127.0.0.1',
    healthzPort: 10248,
    rotateCertificates: true,
    staticPodPath: MANIFESTS_DIR,
  };
  const { apiVersion: _a, kind: _k, ...userFields } = cluster.kubelet;
  // kubeadm hard-codes rotateCertificates: the non-pointer field cannot tell "unset" from false.
  return { apiVersion: KUBELET_CONFIG_API_VERSION, kind: 'KubeletConfiguration', ...deepMerge(defaults, userFields), rotateCertificates: true };
}

/**
 * /var/lib/kubelet/config.yaml for one node before kubeadm's on-node mutation (mutateResolverConfig): the
 * cluster configuration plus the node-local settings kgen lets a node pick (resolvConf, cgroupDriver).
 */
export function nodeKubeletConfiguration(cluster: Pick<KubeClusterSpec, 'networking' | 'kubelet'>, node: Pick<KubeletNode, 'kubelet'>): KubeletConfiguration {
  const config = clusterKubeletConfiguration(cluster);
  if (node.kubelet.cgroupDriver) config.cgroupDriver = node.kubelet.cgroupDriver;
  if (node.kubelet.resolvConf) config.resolvConf = node.kubelet.resolvConf;
  return config;
}

/**
 * /var/lib/kubelet/instance-config.yaml where NodeLocalCRISocket applies (undefined before v1.34), byte for byte
 * as kubeadm writes it (WriteInstanceConfigToDisk: `containerRuntimeEndpoint: %q`). kubeadm then merges it into
 * config.yaml (WriteConfigToDisk, applyKubeletConfigPatchFromFile): see withInstanceConfig.
 */
export function kubeletInstanceConfig(cluster: Pick<KubeClusterSpec, 'kubernetesVersion'>, node: Pick<KubeletNode, 'kubelet'>): string | undefined {
  if (!requireVersion(cluster.kubernetesVersion).nodeLocalCRISocket) return undefined;
  return `containerRuntimeEndpoint: ${goQuote(node.kubelet.criSocket)}\n`;
}

/** config.yaml with the instance configuration merged in, as kubeadm does before writing it. */
export function withInstanceConfig<T extends Record<string, unknown>>(config: T, cluster: Pick<KubeClusterSpec, 'kubernetesVersion'>, node: Pick<KubeletNode, 'kubelet'>): T {
  return kubeletInstanceConfig(cluster, node) === undefined ? config : { ...config, containerRuntimeEndpoint: node.kubelet.criSocket };
}

/** kubeadm's kubeletSystemdResolverConfig: the upstream servers systemd-resolved found, not its 127.0.0.53 stub. */
export const SYSTEMD_RESOLVED_RESOLV_CONF = '/run/systemd/resolve/resolv.conf';

/**
 * kubeadm's resolver mutation, made on the node just before config.yaml is written on init and on join
 * (phases/kubelet/config.go WriteConfigToDisk calls Mutate; componentconfigs/kubelet_unix.go
 * mutateResolverConfig), never in the kubelet-config ConfigMap: with systemd-resolved active, an unset
 * resolvConf becomes SYSTEMD_RESOLVED_RESOLV_CONF, so pods (CoreDNS above all) do not get the loopback stub
 * and forward to themselves. A resolvConf already set is kept; when it differs, kubeadm's
 * warnDefaultComponentConfigValue warning is returned for the caller to print.
 */
export function mutateResolverConfig<T extends Record<string, unknown>>(config: T, systemdResolvedActive: boolean): { config: T; warning?: string } {
  if (!systemdResolvedActive || config.resolvConf === SYSTEMD_RESOLVED_RESOLV_CONF) return { config };
  if (config.resolvConf === undefined) return { config: { ...config, resolvConf: SYSTEMD_RESOLVED_RESOLV_CONF } };
  const provided = typeof config.resolvConf === 'string' ? config.resolvConf : JSON.stringify(config.resolvConf);
  return { config, warning: `The recommended value for "resolvConf" in "KubeletConfiguration" is: ${SYSTEMD_RESOLVED_RESOLV_CONF}; the provided value is: ${provided}` };
}

/** key=value:effect, or key:effect without a value (core/v1 Taint.ToString). */
export function taintString(t: Taint): string {
  return t.value ? `${t.key}=${t.value}:${t.effect}` : `${t.key}:${t.effect}`;
}

export interface KubeletFlagsOptions {
  /** The machine's hostname as the kubelet would see it; when it differs from node.name the node name is forced. */
  hostname?: string;
}

/**
 * The kubelet flags kubeadm-flags.env carries for this node, sorted as kubeadm sorts them, with
 * node.kubelet.extraArgs overriding. Taints are registered by flag only on workers: control-plane
 * nodes get theirs from the mark-control-plane patch (kubeadm join: registerTaintsUsingFlags = not control plane).
 * --hostname-override is node.kubelet.hostnameOverride, else node.name when the machine's hostname differs
 * (flags.go GetNodeNameAndHostname). --node-ip (node.kubelet.nodeIP, else the node address) and
 * --node-labels are kgen's: kubeadm leaves them to kubeletExtraArgs.
 */
export function kubeletFlags(cluster: Pick<KubeClusterSpec, 'kubernetesVersion' | 'imageRepository'>, node: KubeletNode, options: KubeletFlagsOptions = {}): string[] {
  const release = requireVersion(cluster.kubernetesVersion);
  // With NodeLocalCRISocket the socket is in instance-config.yaml instead.
  const base: Args = release.nodeLocalCRISocket ? {} : { 'container-runtime-endpoint': node.kubelet.criSocket };
  if (release.kubeletPodInfraContainerImageFlag) {
    base['pod-infra-container-image'] = pauseImage(cluster);
  }
  if (node.role === 'worker' && node.taints.length > 0) {
    base['register-with-taints'] = node.taints.map(taintString).join(',');
  }
  const nodeName = node.kubelet.hostnameOverride ?? node.name;
  if (node.kubelet.hostnameOverride || (options.hostname !== undefined && options.hostname !== nodeName)) base['hostname-override'] = nodeName;
  base['node-ip'] = node.kubelet.nodeIP ?? node.address;
  const refused = Object.keys(node.labels).filter((k) => !isKubeletSettableLabel(k));
  if (refused.length > 0) {
    throw new Error(
      `node ${node.name}: the kubelet may not set label(s) ${refused.join(', ')} on itself (kubernetes.io and k8s.io ` +
        'labels are reserved; node-role.kubernetes.io/* in particular). Use a label under your own domain, or node.kubernetes.io/ or kubelet.kubernetes.io/.',
    );
  }
  const labels = Object.entries(node.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (labels.length > 0) base['node-labels'] = labels.map(([k, v]) => `${k}=${v}`).join(',');
  return argumentsToCommand(base, node.kubelet.extraArgs);
}

/** Contents of /var/lib/kubelet/kubeadm-flags.env: one line, Go %q quoting of the space-joined flags. */
export function kubeadmFlagsEnv(cluster: Pick<KubeClusterSpec, 'kubernetesVersion' | 'imageRepository'>, node: KubeletNode, options: KubeletFlagsOptions = {}): string {
  return `${KUBELET_ENV_VARIABLE}=${goQuote(kubeletFlags(cluster, node, options).join(' '))}\n`;
}

const GO_ESCAPES: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '"': '\\"', '\\': '\\\\' };

/** strconv.Quote for the characters a flag can hold: escapes quotes, backslashes and control characters. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (GO_ESCAPES[ch]) out += GO_ESCAPES[ch];
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}
