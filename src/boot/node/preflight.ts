// kubeadm's pre-flight checks that kgen can perform, with kubeadm's check names so
// cluster.ignorePreflightErrors reads like --ignore-preflight-errors (case-insensitive, "all" ignores
// everything); an ignored failure is printed as a warning (upstream: cmd/kubeadm/app/preflight/checks.go
// InitNodeChecks, JoinNodeChecks, addCommonChecks, RunChecks, PortOpenCheck, FileAvailableCheck,
// DirAvailableCheck, InPathCheck, FileContentCheck, SwapCheck, ContainerRuntimeCheck, SystemVerificationCheck,
// HostnameCheck, KubeletVersionCheck), in kubeadm's order. Control-plane joiners also get InitNodeChecks'
// control-plane part, as `kubeadm join --control-plane` runs RunInitNodeChecks with isSecondaryControlPlane.
import {
  API_SERVER_BIND_PORT,
  ETCD_LISTEN_CLIENT_PORT,
  ETCD_LISTEN_PEER_PORT,
  KUBE_CONTROLLER_MANAGER_PORT,
  KUBE_SCHEDULER_PORT,
  KUBELET_BOOTSTRAP_KUBECONFIG,
  KUBELET_KUBECONFIG,
  PKI,
  pkiPath,
  staticPodPath,
} from '../../kube/index.js';
import { kubeletAllowed } from '../../upgrade/skew.js';
import { isControlPlane, type BootData } from '../data.js';
import { systemVerification } from './system-verification.js';

const KUBELET_PORT = 10250;
const KUBELET_FALLBACK = '/usr/bin/kubelet';

/** One check: its kubeadm name and what it found (errors fail the phase unless ignored). */
export interface Check {
  name: string;
  run(data: BootData): Promise<{ errors: string[]; warnings: string[] }>;
}

const ok = { errors: [], warnings: [] };
const fail = (message: string) => ({ errors: [message], warnings: [] });

const isPrivilegedUser: Check = {
  name: 'IsPrivilegedUser',
  run: async ({ host }) => (host.isRoot() ? ok : fail('user is not running as root; kgen-boot must run as root (cloud-init runs it as root)')),
};

function portCheck(port: number): Check {
  return {
    name: `Port-${port}`,
    run: async ({ host }) => ((await host.isPortFree(port)) ? ok : fail(`Port ${port} is in use`)),
  };
}

/** kubeadm InPathCheck for the kubelet, plus the package location under --root. */
const kubeletBinary: Check = {
  name: 'FileExisting-kubelet',
  async run({ host }) {
    if ((await host.which('kubelet')) || (await host.exists(KUBELET_FALLBACK))) return ok;
    return fail(
      `kubelet not found in system path (nor at ${KUBELET_FALLBACK}); this node image has no kubelet. ` +
        'Install the kubelet package (pkgs.k8s.io) in the image, or bake an image with `kgen image build`, then boot the node again',
    );
  },
};

/** The kubelet this node would start: the first on PATH, else the package's path under the node's root. */
async function kubeletPath(data: BootData): Promise<string | undefined> {
  const { host } = data;
  return (await host.which('kubelet')) ?? ((await host.exists(KUBELET_FALLBACK)) ? host.resolve(KUBELET_FALLBACK) : undefined);
}

/**
 * kubeadm KubeletVersionCheck: `kubelet --version` ("Kubernetes v1.33.2", preflight/utils.go GetKubeletVersion)
 * must not be newer than the control plane's release, nor older than the version skew policy allows.
 */
const kubeletVersion: Check = {
  name: 'KubeletVersion',
  async run(data) {
    const path = await kubeletPath(data);
    if (!path) return ok; // FileExisting-kubelet reports it
    const printed = await data.host.query(path, ['--version']);
    const version = /^Kubernetes (v\d+\.\d+\.\d+)/.exec(printed.stdout.trim())?.[1];
    if (printed.code !== 0 || !version) {
      return fail(`couldn't get kubelet version: \`${path} --version\` printed ${JSON.stringify(printed.stdout.trim().slice(0, 80))} (exit ${printed.code}), expected "Kubernetes vX.Y.Z"`);
    }
    const controlPlane = data.config.cluster.kubernetesVersion;
    const skew = kubeletAllowed(version, controlPlane);
    if (skew?.rule === 'kubelet-newer-than-api-server') {
      return fail(`the kubelet version is higher than the control plane version. This is not a supported version skew and may lead to a malfunctional cluster. Kubelet version: "${version}" Control plane version: "${controlPlane}"`);
    }
    if (skew) return fail(`Kubelet version "${version}" is lower than kgen can support with control plane ${controlPlane}: ${skew.message}. Please upgrade kubelet (the node image)`);
    return ok;
  },
};

/** kubeadm ContainerRuntimeCheck, reduced to what can be seen without a CRI client: the socket exists. */
const containerRuntime: Check = {
  name: 'CRI',
  async run({ host, config }) {
    const socket = config.node.kubelet.criSocket.replace(/^unix:\/\//, '');
    if (await host.exists(socket)) return ok;
    return fail(`container runtime is not running: socket ${socket} does not exist; start the runtime (e.g. systemctl start containerd) or set nodes[].kubelet.criSocket`);
  },
};

/** kubeadm SwapCheck: active swap fails unless the kubelet is told failSwapOn: false. */
const swap: Check = {
  name: 'Swap',
  async run({ host, config }) {
    const swaps = await host.readTextIfExists('/proc/swaps');
    const active = (swaps ?? '').split('\n').slice(1).filter((l) => l.trim() !== '');
    if (active.length === 0) return ok;
    if (config.cluster.kubelet.failSwapOn === false) {
      return { errors: [], warnings: ['swap is enabled and the kubelet is configured with failSwapOn: false; make sure swap behaviour is what you want'] };
    }
    return fail(`running with swap on is not supported (${active.length} active swap device(s) in /proc/swaps); disable swap (swapoff -a and remove it from /etc/fstab) or set failSwapOn: false in cluster.kubelet`);
  },
};

const ipForward: Check = {
  name: 'FileContent--proc-sys-net-ipv4-ip_forward',
  async run({ host }) {
    const value = await host.sysctl('net.ipv4.ip_forward');
    if (value === '1') return ok;
    return fail(
      value === undefined
        ? '/proc/sys/net/ipv4/ip_forward does not exist'
        : '/proc/sys/net/ipv4/ip_forward contents are not set to 1; enable it (sysctl -w net.ipv4.ip_forward=1 and persist it in /etc/sysctl.d/)',
    );
  },
};

/** kubeadm's name for a check about a path: "/etc/kubernetes/kubelet.conf" -> "-etc-kubernetes-kubelet.conf". */
const pathLabel = (path: string) => path.replaceAll('/', '-');

/** kubeadm FileAvailableCheck: a file kgen-boot is about to write must not exist yet. */
export function fileAvailable(path: string): Check {
  return {
    name: `FileAvailable-${pathLabel(path)}`,
    run: async ({ host }) => ((await host.exists(path)) ? fail(`${path} already exists`) : ok),
  };
}

/** kubeadm DirAvailableCheck: the directory does not exist or is empty. */
export function dirAvailable(path: string): Check {
  return {
    name: `DirAvailable-${pathLabel(path)}`,
    run: async ({ host }) => (((await host.readDir(path)) ?? []).length > 0 ? fail(`${path} is not empty`) : ok),
  };
}

/** SystemVerificationCheck: kernel release, kernel config and cgroups (./system-verification.ts). */
const systemVerificationCheck: Check = {
  name: 'SystemVerification',
  run: ({ host }) => systemVerification(host),
};

// apimachinery validation.IsQualifiedName: an optional DNS-subdomain prefix and "/", then a name part.
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function qualifiedNameProblems(value: string): string[] {
  const parts = value.split('/');
  const name = parts[parts.length - 1]!;
  const problems: string[] = [];
  if (parts.length > 2) problems.push("a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character, with an optional DNS subdomain prefix and '/'");
  if (parts.length === 2 && (parts[0]!.length > 253 || !DNS_SUBDOMAIN.test(parts[0]!))) problems.push('prefix part must be a lowercase RFC 1123 subdomain');
  if (name.length > 63) problems.push('name part must be no more than 63 characters');
  if (!QUALIFIED_NAME_PART.test(name)) problems.push("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character");
  return problems;
}

/**
 * kubeadm HostnameCheck, warnings only: the node name is a qualified name and resolves (net.LookupHost).
 * A node name that differs from the machine's hostname needs nothing here: kubeadm-flags.env then carries
 * --hostname-override (src/kube/kubelet.ts).
 */
const hostname: Check = {
  name: 'Hostname',
  async run({ host, config }) {
    const nodeName = config.node.name;
    const warnings = qualifiedNameProblems(nodeName).map((m) => `invalid node name format "${nodeName}": ${m}`);
    const addresses = await host.lookupHost(nodeName).catch((err: Error) => {
      warnings.push(`hostname "${nodeName}" could not be reached`, `hostname "${nodeName}": lookup ${nodeName}: ${err.message}`);
      return [];
    });
    if (addresses.length === 0 && warnings.length === 0) warnings.push(`hostname "${nodeName}" could not be reached`);
    return { errors: [], warnings };
  },
};

/** The static pod manifests kgen-boot writes on a control-plane node (InitNodeChecks lists etcd's too). */
const MANIFEST_COMPONENTS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd'];

/** InitNodeChecks' control-plane part, without its common checks: ports, manifests, local etcd. */
function controlPlaneChecks(): Check[] {
  return [
    portCheck(API_SERVER_BIND_PORT),
    portCheck(KUBE_SCHEDULER_PORT),
    portCheck(KUBE_CONTROLLER_MANAGER_PORT),
    ...MANIFEST_COMPONENTS.map((c) => fileAvailable(staticPodPath(c))),
  ];
}

/** InitNodeChecks' last part: with a local etcd, its ports and an empty data directory. */
function localEtcdChecks(data: BootData): Check[] {
  const etcd = data.config.cluster.etcd;
  if (!('local' in etcd) || !etcd.local) return [];
  return [portCheck(ETCD_LISTEN_CLIENT_PORT), portCheck(ETCD_LISTEN_PEER_PORT), dirAvailable(etcd.local.dataDir)];
}

/** addCommonChecks: the runtime, swap, the kubelet binary, the system, the node name, the kubelet's version and port. */
const COMMON_CHECKS: Check[] = [containerRuntime, swap, kubeletBinary, systemVerificationCheck, hostname, kubeletVersion, portCheck(KUBELET_PORT)];

/** The checks `kubeadm init` runs that kgen can perform, in kubeadm's order (root first, as RunRootCheckOnly). */
export function initChecks(data: BootData): Check[] {
  return [isPrivilegedUser, ...controlPlaneChecks(), ...COMMON_CHECKS, ipForward, ...localEtcdChecks(data)];
}

/** The checks `kubeadm join` (then, on control-plane nodes, RunInitNodeChecks' control-plane part) runs that kgen can perform. */
export function joinChecks(data: BootData): Check[] {
  const node = [isPrivilegedUser, fileAvailable(KUBELET_KUBECONFIG), fileAvailable(KUBELET_BOOTSTRAP_KUBECONFIG), ...COMMON_CHECKS];
  if (!isControlPlane(data)) return [...node, fileAvailable(pkiPath(PKI.caCert)), ipForward];
  return [...node, ipForward, ...controlPlaneChecks(), ...localEtcdChecks(data)];
}

/** Runs checks as kubeadm's RunChecks does; returns the `[ERROR name]: ...` lines of unignored failures. */
async function runChecks(checks: Check[], data: BootData, ignore: readonly string[]): Promise<string[]> {
  const ignored = new Set(ignore.map((n) => n.toLowerCase()));
  const errors: string[] = [];
  for (const check of checks) {
    const result = await check.run(data);
    const soft = ignored.has('all') || ignored.has(check.name.toLowerCase());
    const warnings = soft ? [...result.warnings, ...result.errors] : result.warnings;
    for (const w of warnings) data.log.info(`\t[WARNING ${check.name}]: ${w}`);
    if (!soft) errors.push(...result.errors.map((e) => `[ERROR ${check.name}]: ${e}`));
  }
  return errors;
}

/** Runs the checks and fails with every unignored error at once. */
export async function runPreflight(data: BootData, checks: Check[]): Promise<void> {
  data.log.phase('preflight', 'Running pre-flight checks');
  const errors = await runChecks(checks, data, data.config.cluster.ignorePreflightErrors);
  if (errors.length > 0) {
    throw new Error(
      `some fatal errors occurred:\n\t${errors.join('\n\t')}\n` +
        'If you know what you are doing, you can make a check non-fatal by adding its name to cluster.ignorePreflightErrors in nodes.yaml',
    );
  }
}
