// Checks that span fields: what kubeadm's validation (cmd/kubeadm/app/apis/kubeadm/validation/validation.go:
// ValidateNetworking, ValidateServiceSubnetSize, ValidatePodSubnetNodeMask, ValidateIgnorePreflightErrors)
// and its init/join flow would reject, plus what only an inventory of many nodes can get wrong
// (duplicates, init node choice, etcd quorum). Every check runs; each reports through `report` and skips
// values the schema already rejected (holes in the draft).
import type { Draft, DraftCluster, DraftNode, Report } from './draft.js';
import type { NodeSpec } from './types.js';
import { checkNodeNetwork } from './network.js';
import { kernelCmdlineProblem, nodeKernelCmdline } from './pxe-rules.js';
import { contains, familyBits, formatIP, indexedIP, overlaps, parseCIDR, parseIP, sameIP, sizeOf, type CIDR } from '../net.js';
import { DNS_IP_INDEX } from './derive.js';
import { formatPath, type Path } from './path.js';
import { quote } from './excerpt.js';

/** kubeadm constants: MaximumBitsForServiceSubnet, MinimumAddressesInServiceSubnet, PodSubnetNodeMaskMaxDiff. */
const MAX_SERVICE_SUBNET_BITS = 20;
const MIN_SERVICE_SUBNET_ADDRESSES = 10n;
const POD_SUBNET_NODE_MASK_MAX_DIFF = 16;

export interface SemanticContext {
  report: Report;
  /** Line where `path` was written, to point from a second occurrence at the first. */
  line(path: Path): number;
  /** Whether `path` was written in nodes.yaml (as opposed to absent). */
  written(path: Path): boolean;
  /** The time certificates would be issued at (render's clock). */
  now: Date;
}

type Indexed = { node: DraftNode; i: number };

export function checkSemantics(d: Draft, ctx: SemanticContext): void {
  const nodes: Indexed[] = (d.nodes ?? []).flatMap((node, i) => (node ? [{ node, i }] : []));
  checkDuplicates(nodes, ctx);
  checkRoles(d, nodes, ctx);
  if (d.cluster) {
    checkSubnets(d.cluster, nodes, ctx);
    checkEtcdQuorum(d.cluster, nodes, ctx);
    checkBoot(d.cluster, ctx);
    checkPreflight(d.cluster, ctx);
    checkCertificateValidity(d.cluster, ctx);
    checkRenewalWindow(d.cluster, ctx);
    checkKernelCmdlines(d.cluster, nodes, ctx);
  }
  checkEndpoint(nodes, ctx);
  for (const { node, i } of nodes) checkNodeNetwork(node, i, ctx);
}

const FIELD_NAMES = { name: 'name', address: 'address', mac: 'MAC address', uuid: 'UUID' } as const;

function checkDuplicates(nodes: Indexed[], ctx: SemanticContext): void {
  for (const field of ['name', 'address', 'mac', 'uuid'] as const) {
    const first = new Map<string, number>();
    for (const { node, i } of nodes) {
      const value = node[field];
      if (value === undefined) continue;
      const seen = first.get(value);
      if (seen === undefined) {
        first.set(value, i);
        continue;
      }
      const at = ['nodes', seen, field];
      ctx.report('error', ['nodes', i, field], 'value',
        `duplicate ${FIELD_NAMES[field]} ${JSON.stringify(value)}: already used by ${formatPath(['nodes', seen])} (line ${ctx.line(at)}); each node needs its own`);
    }
  }
}

function checkRoles(d: Draft, nodes: Indexed[], ctx: SemanticContext): void {
  if (d.nodes && nodes.length === d.nodes.length && !nodes.some(({ node }) => node.role === 'control-plane')) {
    ctx.report('error', ['nodes'], 'value', 'no control-plane node; at least one node needs role: control-plane');
  }
  const controlPlanes = nodes.filter(({ node }) => node.role === 'control-plane');
  if (controlPlanes.length > 0 && controlPlanes.every(({ node }) => node.init === false)) {
    ctx.report('error', ['nodes'], 'value', 'every control-plane node says init: false; one of them must initialise the cluster (remove init: false from one)');
  }
  const explicitInit = nodes.filter(({ node }) => node.init === true);
  for (const { node, i } of explicitInit) {
    if (node.role === 'worker') {
      ctx.report('error', ['nodes', i, 'init'], 'value', 'init: true on a worker; only a control-plane node can initialise the cluster');
    }
  }
  for (const { i } of explicitInit.slice(1)) {
    const first = explicitInit[0]!.i;
    ctx.report('error', ['nodes', i, 'init'], 'value',
      `more than one node has init: true (the first is ${formatPath(['nodes', first])}, line ${ctx.line(['nodes', first, 'init'])}); exactly one control-plane node initialises the cluster`);
  }
}

function subnetOf(s: string | undefined): CIDR | undefined {
  return s === undefined ? undefined : parseCIDR(s);
}

function checkSubnets(c: DraftCluster, nodes: Indexed[], ctx: SemanticContext): void {
  const pod = subnetOf(c.networking?.podSubnet);
  const service = subnetOf(c.networking?.serviceSubnet);
  const podPath = ['cluster', 'networking', 'podSubnet'];
  const servicePath = ['cluster', 'networking', 'serviceSubnet'];

  if (service) {
    const hostBits = familyBits(service.ip.family) - service.prefix;
    if (hostBits > MAX_SERVICE_SUBNET_BITS) {
      ctx.report('error', servicePath, 'value',
        `${c.networking!.serviceSubnet} is too large: for ${familyBits(service.ip.family)}-bit addresses the prefix must be /${familyBits(service.ip.family) - MAX_SERVICE_SUBNET_BITS} or longer`);
    } else if (sizeOf(service) < MIN_SERVICE_SUBNET_ADDRESSES) {
      ctx.report('error', servicePath, 'value', `${c.networking!.serviceSubnet} is too small: it has ${sizeOf(service)} addresses, the minimum is ${MIN_SERVICE_SUBNET_ADDRESSES}`);
    }
  }
  if (pod && c.controllerManager?.extraArgs?.['allocate-node-cidrs'] !== 'false') {
    const flag = pod.ip.family === 6 ? 'node-cidr-mask-size-ipv6' : 'node-cidr-mask-size-ipv4';
    const written = c.controllerManager?.extraArgs?.[flag];
    const nodeMask = written === undefined ? (pod.ip.family === 6 ? 64 : 24) : Number(written);
    // A prefix length: decimal digits, at most the family's bits (kube-controller-manager parses it as an int).
    if (!Number.isInteger(nodeMask) || (written !== undefined && !/^[0-9]{1,3}$/.test(written)) || nodeMask > familyBits(pod.ip.family)) {
      ctx.report('error', ['cluster', 'controllerManager', 'extraArgs', flag], 'value', `${quote(written ?? '')} is not a prefix length; expected an integer such as "24"`);
    } else if (pod.prefix > nodeMask) {
      ctx.report('error', podPath, 'value', `${c.networking!.podSubnet} is smaller than one node's pod range (/${nodeMask}); use a shorter prefix or set controllerManager.extraArgs.${flag}`);
    } else if (nodeMask - pod.prefix > POD_SUBNET_NODE_MASK_MAX_DIFF) {
      ctx.report('error', podPath, 'value', `${c.networking!.podSubnet} and the node mask /${nodeMask} differ by more than ${POD_SUBNET_NODE_MASK_MAX_DIFF} bits; use a longer prefix`);
    }
  }
  if (pod && service && overlaps(pod, service)) {
    ctx.report('error', servicePath, 'value', `${c.networking!.serviceSubnet} overlaps podSubnet ${c.networking!.podSubnet}; pod and service subnets must not share addresses`);
  }
  if (pod && service && pod.ip.family !== service.ip.family) {
    ctx.report('error', podPath, 'value',
      `${c.networking!.podSubnet} is IPv${pod.ip.family} but serviceSubnet ${c.networking!.serviceSubnet} is IPv${service.ip.family}; dual-stack is not supported, use one IP family for both`);
  }
  for (const { node, i } of nodes) {
    const ip = node.address === undefined ? undefined : parseIP(node.address);
    if (!ip) continue;
    if (service && ip.family !== service.ip.family) {
      ctx.report('error', ['nodes', i, 'address'], 'value',
        `${node.address} is IPv${ip.family} but serviceSubnet ${c.networking!.serviceSubnet} is IPv${service.ip.family}; node addresses must be of the cluster's IP family (kube-apiserver requires its advertise address to match the Service family)`);
    }
    for (const [name, subnet] of [['podSubnet', pod], ['serviceSubnet', service]] as const) {
      if (subnet && contains(subnet, ip)) {
        ctx.report('error', ['nodes', i, 'address'], 'value',
          `${node.address} is inside the cluster's ${name} ${c.networking![name]}; node addresses must be outside the pod and service subnets`);
      }
    }
  }
  checkClusterDNS(c, service, ctx);
}

/** clusterDNS must be a Service address; kubeadm warns when it is not the CoreDNS Service's (componentconfigs/kubelet.go). */
function checkClusterDNS(c: DraftCluster, service: CIDR | undefined, ctx: SemanticContext): void {
  const clusterDNS = c.kubelet?.['clusterDNS'];
  const recommended = service && indexedIP(service, DNS_IP_INDEX);
  if (!Array.isArray(clusterDNS) || !service || !recommended) return;
  for (const [j, dns] of clusterDNS.entries()) {
    const ip = typeof dns === 'string' ? parseIP(dns) : undefined;
    if (!ip) continue;
    const path = ['cluster', 'kubelet', 'clusterDNS', j];
    if (!contains(service, ip)) {
      ctx.report('error', path, 'value',
        `${dns} is outside serviceSubnet ${c.networking!.serviceSubnet}; the cluster DNS address must be a Service address, normally ${formatIP(recommended)}`);
    } else if (!sameIP(ip, recommended)) {
      ctx.report('warning', path, 'value',
        `${dns} is not ${formatIP(recommended)}, the address the CoreDNS Service gets (10th of serviceSubnet); pods will query ${dns} unless you run DNS there`);
    }
  }
}

function checkEndpoint(nodes: Indexed[], ctx: SemanticContext): void {
  const controlPlanes = nodes.filter(({ node }) => node.role === 'control-plane').length;
  if (controlPlanes > 1 && !ctx.written(['cluster', 'controlPlaneEndpoint'])) {
    ctx.report('error', ['cluster', 'controlPlaneEndpoint'], 'key',
      `missing required field "controlPlaneEndpoint": with ${controlPlanes} control-plane nodes, nodes must reach the API server through a shared address (load balancer or DNS name), e.g. "cp.example.internal:6443"`);
  }
}

function checkEtcdQuorum(c: DraftCluster, nodes: Indexed[], ctx: SemanticContext): void {
  if (!c.etcd?.local) return;
  const members = nodes.filter(({ node }) => node.role === 'control-plane').length;
  if (members > 0 && members % 2 === 0) {
    ctx.report('warning', ['nodes'], 'value',
      `${members} control-plane nodes with stacked etcd: etcd needs a majority (quorum) of members, so ${members} members tolerate no more failures than ${members - 1}; use an odd number`);
  }
}

function checkBoot(c: DraftCluster, ctx: SemanticContext): void {
  const delivery = c.boot?.delivery;
  if (delivery === 'url' && !ctx.written(['cluster', 'boot', 'url'])) {
    ctx.report('error', ['cluster', 'boot', 'url'], 'key', 'missing required field "url": delivery is "url", so nodes need the address to download kgen-boot from');
  }
  if (delivery !== undefined && delivery !== 'url' && ctx.written(['cluster', 'boot', 'url'])) {
    ctx.report('error', ['cluster', 'boot', 'url'], 'key', `url is only used with delivery: url, but delivery is ${quote(delivery)}; remove url or set delivery: url`);
  }
  // Node 18 (Debian 12's and Ubuntu 24.04's nodejs) runs a file as an ES module only by its .mjs name.
  const path = c.boot?.path;
  if (delivery === 'embed' && path !== undefined && ctx.written(['cluster', 'boot', 'path']) && !path.endsWith('.mjs')) {
    ctx.report('error', ['cluster', 'boot', 'path'], 'value', `${quote(path)} has no .mjs extension: delivery embed installs kgen-boot as a JavaScript module, which Node runs as one only under a .mjs name; use e.g. "${path}.mjs"`);
  }
  if (c.boot?.installNodejs === true && delivery !== undefined && delivery !== 'embed') {
    ctx.report('error', ['cluster', 'boot', 'installNodejs'], 'key', `installNodejs is only used with delivery: embed (the JavaScript module needs Node.js); delivery ${quote(delivery)} runs the self-contained executable, which needs none; remove installNodejs`);
  }
}

function checkPreflight(c: DraftCluster, ctx: SemanticContext): void {
  const names = c.ignorePreflightErrors ?? [];
  if (names.includes('all') && names.length > 1) {
    ctx.report('error', ['cluster', 'ignorePreflightErrors'], 'value', `"all" already ignores every check; don't list individual checks with it`);
  }
}

/**
 * The last notAfter X.509 can encode: GeneralizedTime has four year digits (RFC 5280 4.1.2.5; UTCTime covers
 * 1950-2049, GeneralizedTime from 2050). A validity reaching past it cannot be written into a certificate.
 */
const LAST_ENCODABLE_NOT_AFTER = Date.UTC(9999, 11, 31, 23, 59, 59);

function checkCertificateValidity(c: DraftCluster, ctx: SemanticContext): void {
  for (const [field, key] of [['validity', 'validityHours'], ['caValidity', 'caValidityHours']] as const) {
    const hours = c.certificates?.[key];
    if (hours === undefined) continue;
    const notAfter = ctx.now.getTime() + hours * 3_600_000;
    if (!(notAfter <= LAST_ENCODABLE_NOT_AFTER)) {
      const most = Math.floor((LAST_ENCODABLE_NOT_AFTER - ctx.now.getTime()) / 3_600_000);
      ctx.report('error', ['cluster', 'certificates', field], 'value',
        `a certificate issued now would expire after 9999-12-31T23:59:59Z, the last date X.509 can encode (RFC 5280 4.1.2.5); use at most ${most}h`);
    }
  }
}

/** A renewal window as long as the certificates' validity would renew them on every daily run. */
function checkRenewalWindow(c: DraftCluster, ctx: SemanticContext): void {
  const r = c.certificateRenewal;
  const validityHours = c.certificates?.validityHours;
  if (r?.enabled === false || r?.beforeSeconds === undefined || validityHours === undefined) return;
  if (r.beforeSeconds >= validityHours * 3600) {
    ctx.report('error', ['cluster', 'certificateRenewal', 'before'], 'value',
      `the renewal window (${r.beforeSeconds / 3600}h) is not shorter than cluster.certificates.validity (${validityHours}h): the timer would renew every day; use a shorter window or set enabled: false`);
  }
}

/** A PXE node's whole kernel command line must fit the kernel's buffer; the words themselves are checked by the schema. */
function checkKernelCmdlines(c: DraftCluster, nodes: Indexed[], ctx: SemanticContext): void {
  const pxe = c.pxe;
  if (pxe?.seedBaseURL === undefined || !pxe.kernelArgs || pxe.kernelArgs.includes(undefined)) return;
  const clusterArgs = pxe.kernelArgs as string[];
  for (const { node, i } of nodes) {
    if (node.mac === undefined || node.name === undefined || !node.kernelArgs || node.kernelArgs.includes(undefined)) continue;
    // A network section with holes cannot be rendered; its own errors are reported already.
    let cmdline: string;
    try {
      cmdline = nodeKernelCmdline({ ...node, name: node.name, kernelArgs: node.kernelArgs as string[] } as NodeSpec, { seedBaseURL: pxe.seedBaseURL, kernelArgs: clusterArgs });
    } catch {
      continue;
    }
    const problem = kernelCmdlineProblem(cmdline);
    if (problem) {
      ctx.report('error', ['nodes', i, 'kernelArgs'], 'value',
        `the PXE kernel command line of ${node.name} (cluster.pxe.kernelArgs, these kernelArgs, the seed URL and the network section) ${problem}; shorten them`);
    }
  }
}
