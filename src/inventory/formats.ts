// Text formats of nodes.yaml values: each parser takes the string as written and returns the value the
// model holds, or a message saying what was found and what is expected. The rules are Kubernetes' own:
// DNS-1123 names and label syntax (k8s.io/apimachinery/pkg/util/validation/validation.go), Go durations
// (Go time.ParseDuration), kubeadm's host:port endpoints, SANs and CRI socket URLs
// (cmd/kubeadm/app/apis/kubeadm/validation/validation.go), taint strings as `kubectl taint` takes them.
import { formatCIDR, formatIP, networkOf, parseCIDR, parseIP, specialClass, type IP, type SpecialAddress } from '../net.js';
import type { Taint } from './types.js';
import { SUPPORTED_RANGE, isWellFormedVersion, versionInfo } from '../versions.js';
import { isKubeletSettableLabel } from '../contract/labels.js';
import { BY_MAC, BY_UUID, IMAGE_SCHEMES, baseUrlProblem, kernelArgProblem, seedUrlProblem } from './pxe-rules.js';
import { quote } from './excerpt.js';

export type Parsed<T> = { value: T } | { error: string };
export type Parse<T = unknown> = (s: string) => Parsed<T>;

const q = quote;
const ok = <T>(value: T): Parsed<T> => ({ value });
const fail = (error: string): Parsed<never> => ({ error });

const LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS_LABEL_RE = new RegExp(`^${LABEL}$`);
const DNS_SUBDOMAIN_RE = new RegExp(`^${LABEL}(\\.${LABEL})*$`);
const QUALIFIED_NAME_RE = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

export const dnsLabel: Parse<string> = (s) =>
  s.length <= 63 && DNS_LABEL_RE.test(s)
    ? ok(s)
    : fail(`${q(s)} is not a DNS-1123 label: use at most 63 lower-case letters, digits and "-", starting and ending with a letter or digit`);

function isSubdomain(s: string): boolean {
  return s.length <= 253 && DNS_SUBDOMAIN_RE.test(s) && s.split('.').every((l) => l.length <= 63);
}

export const dnsSubdomain: Parse<string> = (s) =>
  isSubdomain(s)
    ? ok(s)
    : fail(`${q(s)} is not a DNS-1123 subdomain: use lower-case letters, digits, "-" and ".", at most 253 characters, each part starting and ending with a letter or digit`);

/** A node name: a DNS subdomain that is not one of the directory names render reserves beside the nodes' own under nodes/. */
export const nodeName: Parse<string> = (s) => {
  const name = dnsSubdomain(s);
  if ('value' in name && (s === BY_MAC || s === BY_UUID)) {
    return fail(`${q(s)} is reserved: render writes the seed tree's alias directory nodes/${s}/ there; rename the node`);
  }
  return name;
};

const SPECIAL_WHY: Record<SpecialAddress, string> = {
  unspecified: 'the unspecified address ("any"), not the address of a host',
  loopback: "a loopback address, which other machines cannot reach",
  multicast: 'a multicast address, not the address of one host',
  broadcast: 'the broadcast address, not the address of one host',
};

/** An IP address of one host; `refuse` lists the special classes this field cannot hold. Stored in canonical form (IPv6 compressed, lower case). */
function hostAddress(refuse: readonly SpecialAddress[]): Parse<string> {
  return (s) => {
    const ip = parseIP(s);
    if (!ip) return fail(`${q(s)} is not an IP address`);
    const special = specialProblem(ip, refuse);
    return special ? fail(`${q(s)} is ${special}`) : ok(formatIP(ip));
  };
}

function specialProblem(ip: IP, refuse: readonly SpecialAddress[]): string | undefined {
  const special = specialClass(ip);
  return special && refuse.includes(special) ? SPECIAL_WHY[special] : undefined;
}

const NOT_A_HOST: readonly SpecialAddress[] = ['unspecified', 'multicast', 'broadcast'];

/** An address another host may use (a gateway, a name server, cluster DNS, a certificate SAN): loopback is allowed (127.0.0.53 as a name server). */
export const ipAddress: Parse<string> = hostAddress(NOT_A_HOST);

/** A node's own address, which other nodes connect to: no loopback either. */
export const nodeAddress: Parse<string> = hostAddress([...NOT_A_HOST, 'loopback']);

/** A subnet: network address and prefix, host bits zero (kubeadm podSubnet / serviceSubnet). */
export const subnet: Parse<string> = (s) => {
  if (s.includes(',')) return fail(`${q(s)} lists several subnets; dual-stack is not supported, give one CIDR`);
  const c = parseCIDR(s);
  if (!c) return fail(`${q(s)} is not a CIDR subnet; expected the form 10.244.0.0/16 or fd00:10::/56`);
  const net = { ip: networkOf(c), prefix: c.prefix };
  if (net.ip.value !== c.ip.value) return fail(`${q(s)} has host bits set; did you mean ${q(formatCIDR(net))}?`);
  return ok(formatCIDR(net));
};

/** An interface address with its prefix, e.g. 10.0.0.11/24 (host bits are the address). */
export const interfaceAddress: Parse<string> = (s) => {
  const c = parseCIDR(s);
  if (!c) return fail(`${q(s)} is not an address with a prefix length; expected the form 10.0.0.11/24`);
  const special = specialProblem(c.ip, [...NOT_A_HOST, 'loopback']);
  return special ? fail(`${q(s)} is ${special}`) : ok(formatCIDR(c));
};

/** A route's destination (network-config v2 `routes[].to`): "default", a subnet or one address. */
export const routeDestination: Parse<string> = (s) => {
  if (s === 'default') return ok(s);
  if (!s.includes('/')) return ipAddress(s);
  const net = subnet(s);
  return 'error' in net ? fail(`${q(s)} is not a route destination; expected "default", a subnet such as 10.1.0.0/16, or an address`) : net;
};

/** host[:port]; IPv6 literals in brackets; port defaults to 6443 (kubeadm's API server port). */
export const endpoint: Parse<{ host: string; port: number }> = (s) => {
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*))(?::([0-9]+))?$/.exec(s);
  const expected = 'expected host:port, e.g. "cp.example.internal:6443", "10.0.0.10:6443" or "[fd00::10]:6443"';
  if (!m) {
    return parseIP(s)?.family === 6
      ? fail(`${q(s)} is ambiguous: write an IPv6 address in brackets, then the port, e.g. "[fd00::10]:6443"`)
      : fail(`${q(s)} is not a valid endpoint; ${expected}`);
  }
  const port = m[3] === undefined ? 6443 : Number(m[3]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return fail(`${q(s)} has port ${m[3]}; expected a port from 1 to 65535`);
  if (m[1] !== undefined) {
    const ip = parseIP(m[1]);
    if (ip?.family !== 6) return fail(`${q(s)}: ${q(m[1])} in brackets is not an IPv6 address`);
    const special = specialProblem(ip, NOT_A_HOST);
    return special ? fail(`${q(s)}: ${q(m[1])} is ${special}`) : ok({ host: formatIP(ip), port });
  }
  const host = m[2]!;
  const ip = parseIP(host);
  const special = ip && specialProblem(ip, NOT_A_HOST);
  if (special) return fail(`${q(s)}: ${q(host)} is ${special}`);
  if (ip) return ok({ host: formatIP(ip), port });
  if (isSubdomain(host)) return ok({ host, port });
  return fail(`${q(s)} is not a valid endpoint: ${q(host)} is neither an IP address nor a DNS name; ${expected}`);
};

/** A MAC address, colon or dash separated; stored lower case with colons. */
export const macAddress: Parse<string> = (s) =>
  /^[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(\1[0-9A-Fa-f]{2}){4}$/.test(s)
    ? ok(s.toLowerCase().replaceAll('-', ':'))
    : fail(`${q(s)} is not a MAC address; expected six hex pairs like "52:54:00:12:34:56"`);

/** An SMBIOS system UUID; stored lower case. */
export const smbiosUUID: Parse<string> = (s) =>
  /^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/.test(s)
    ? ok(s.toLowerCase())
    : fail(`${q(s)} is not a UUID; expected the form 4c4c4544-0042-3510-8051-b4c04f4e3132`);

/** An absolute URL with one of the given schemes and a host. */
export function url(schemes: readonly ('http' | 'https')[]): Parse<string> {
  const wanted = schemes.join(' or ');
  return (s) => {
    // WHATWG URL parsing would quietly percent-encode a space; curl, iPXE and cloud-init would not get the same URL.
    if (/[^\x21-\x7e]/.test(s)) return fail(`${q(s)} contains a space, a control character or a non-ASCII character; percent-encode it or remove it`);
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      return fail(`${q(s)} is not a URL; expected an absolute ${wanted} URL`);
    }
    if (!schemes.some((scheme) => u.protocol === `${scheme}:`)) return fail(`${q(s)} uses ${u.protocol.slice(0, -1)}; expected an ${wanted} URL`);
    if (u.hostname === '') return fail(`${q(s)} has no host`);
    return ok(s);
  };
}

/** Where iPXE fetches the kernel and initrd: a plain base URL kgen appends file names to. */
export const imageBaseURL: Parse<string> = (s) => {
  const problem = baseUrlProblem(s, IMAGE_SCHEMES);
  return problem ? fail(`${q(s)} ${problem}`) : ok(s);
};

/** Where cloud-init fetches a node's seed: a plain base URL that fits in the kernel's ds=nocloud argument. */
export const seedBaseURL: Parse<string> = (s) => {
  const problem = seedUrlProblem(s);
  return problem ? fail(`${q(s)} ${problem}`) : ok(s);
};

/** One word of the PXE kernel command line (the iPXE and kernel rules are in generators/pxe.ts). */
export const kernelArg: Parse<string> = (s) => {
  const problem = kernelArgProblem(s);
  return problem ? fail(`${q(s)} ${problem}`) : ok(s);
};

export const absolutePath: Parse<string> = (s) =>
  s.startsWith('/') ? ok(s) : fail(`${q(s)} is not an absolute path; it must start with "/"`);

/** A path on the operator's machine; relative paths are resolved against nodes.yaml's directory later. */
export const localPath: Parse<string> = (s) => (s === '' ? fail('the path is empty') : ok(s));

export const nonEmpty: Parse<string> = (s) => (s === '' ? fail('the value is empty') : ok(s));

const DURATION_UNITS: Record<string, number> = { ns: 1e-9, us: 1e-6, 'µs': 1e-6, 'μs': 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

/** Go's time.Duration is int64 nanoseconds: ParseDuration refuses anything longer (about 2562047h). */
const GO_MAX_DURATION_SECONDS = 9223372036.854775807;

export interface DurationRange {
  /** Shortest accepted, as written in nodes.yaml (Go syntax); any positive duration when absent. */
  min?: string;
  /** Longest accepted; Go's own limit when absent. */
  max?: string;
  /** Require a whole number of seconds (the value is stored as integer seconds). */
  wholeSeconds?: boolean;
}

function durationSeconds(s: string): number | undefined {
  if (!/^(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:ns|us|µs|μs|ms|s|m|h))+$/.test(s)) return undefined;
  let seconds = 0;
  for (const m of s.matchAll(/([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)/g)) seconds += Number(m[1]) * DURATION_UNITS[m[2]!]!;
  return seconds;
}

/** Go duration syntax ("8760h", "1h30m", "90s") to seconds or hours; positive, within `range`. */
export function duration(unit: 'seconds' | 'hours', range: DurationRange = {}): Parse<number> {
  const min = range.min === undefined ? 0 : durationSeconds(range.min)!;
  const max = range.max === undefined ? GO_MAX_DURATION_SECONDS : durationSeconds(range.max)!;
  const between = `from ${range.min ?? '1ns'} to ${range.max ?? '2562047h (the limit of Go\'s time.Duration)'}`;
  return (s) => {
    const seconds = durationSeconds(s);
    if (seconds === undefined) return fail(`${q(s)} is not a duration; expected Go duration syntax such as "24h", "30m" or "1h30m"`);
    if (seconds <= 0) return fail(`${q(s)} is not a positive duration`);
    if (!(seconds >= min && seconds <= max)) return fail(`${q(s)} is out of range; expected a duration ${between}`);
    if (range.wholeSeconds && !Number.isInteger(seconds)) return fail(`${q(s)} is not a whole number of seconds`);
    return ok(unit === 'hours' ? seconds / 3600 : seconds);
  };
}

/** Label key: optional DNS-subdomain prefix and "/", then a name of at most 63 characters. */
export const labelKey: Parse<string> = (s) => {
  const slash = s.lastIndexOf('/');
  const prefix = slash >= 0 ? s.slice(0, slash) : undefined;
  const name = slash >= 0 ? s.slice(slash + 1) : s;
  if (prefix !== undefined && !isSubdomain(prefix)) return fail(`label key ${q(s)} has prefix ${q(prefix)}, which is not a DNS subdomain`);
  if (name.length > 63 || !QUALIFIED_NAME_RE.test(name)) {
    return fail(`label key ${q(s)} is not valid: the name part must be at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit`);
  }
  return ok(s);
};

/** A node label key the kubelet accepts in --node-labels. */
export const nodeLabelKey: Parse<string> = (s) => {
  const key = labelKey(s);
  if ('error' in key) return key;
  if (!isKubeletSettableLabel(s)) {
    return fail(`label ${q(s)} is in the kubernetes.io/k8s.io namespace, which the kubelet refuses in --node-labels; use a prefix under node.kubernetes.io/ or your own domain (e.g. "example.com/role"), or label the node after it joins`);
  }
  return key;
};

export const labelValue: Parse<string> = (s) =>
  s === '' || (s.length <= 63 && QUALIFIED_NAME_RE.test(s))
    ? ok(s)
    : fail(`label value ${q(s)} is not valid: use at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit`);

export const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;

/** kubectl taint syntax: "key=value:Effect" or "key:Effect". */
export const taintString: Parse<Taint> = (s) => {
  const m = /^([^=:]+)(?:=([^:]*))?:([^:]+)$/.exec(s);
  if (!m) return fail(`${q(s)} is not a taint; expected "key=value:Effect" or "key:Effect"`);
  const key = labelKey(m[1]!);
  if ('error' in key) return key;
  if (m[2] !== undefined) {
    const value = labelValue(m[2]);
    if ('error' in value) return value;
  }
  const effect = TAINT_EFFECTS.find((e) => e === m[3]);
  if (!effect) return fail(`${q(s)} has effect ${q(m[3]!)}; expected one of ${TAINT_EFFECTS.join(', ')}`);
  return ok(m[2] === undefined ? { key: m[1]!, effect } : { key: m[1]!, value: m[2], effect });
};

/** An API server certificate SAN: IP address, DNS name or wildcard DNS name (kubeadm ValidateCertSANs). */
export const certSAN: Parse<string> = (s) => {
  if (parseIP(s)) return ipAddress(s);
  if (isSubdomain(s) || (s.startsWith('*.') && isSubdomain(s.slice(2)))) return ok(s);
  return fail(`${q(s)} is neither an IP address, a DNS name nor a wildcard DNS name like "*.example.internal"`);
};

/** Registry and path prefix images are pulled from, e.g. registry.k8s.io or my.registry:5000/k8s. */
export const imageRepository: Parse<string> = (s) => {
  const domain = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?';
  const component = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
  return new RegExp(`^${domain}(?:/${component})*$`).test(s)
    ? ok(s)
    : fail(`${q(s)} is not an image repository; expected a registry host with an optional path, like "registry.k8s.io" or "my.registry:5000/k8s", without scheme or trailing "/"`);
};

/** CRI endpoint; kubeadm accepts only unix:// URLs (ValidateSocketPath). */
export const criSocket: Parse<string> = (s) =>
  /^unix:\/\/\/./.test(s) ? ok(s) : fail(`${q(s)} is not a CRI socket URL; expected "unix:///path/to.sock", e.g. "unix:///var/run/containerd/containerd.sock"`);

/** auth-extra-groups entry (k8s.io/cluster-bootstrap/token/util ValidateBootstrapGroupName). */
export const bootstrapGroup: Parse<string> = (s) =>
  /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/.test(s)
    ? ok(s)
    : fail(`${q(s)} is not a bootstrap group; it must match system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]`);

/** A preflight check name as kubeadm prints it (Swap, Port-6443, FileAvailable--etc-kubernetes-...); stored lower case, as kubeadm compares them. */
export const preflightCheck: Parse<string> = (s) =>
  /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(s)
    ? ok(s.toLowerCase())
    : fail(`${q(s)} is not a preflight check name; use the name kubeadm prints in [ERROR <name>], or "all"`);

/** A component flag name for extraArgs, without leading dashes. */
export const flagName: Parse<string> = (s) => {
  if (s.startsWith('-')) return fail(`flag ${q(s)} starts with "-"; write it without dashes, e.g. ${q(s.replace(/^-+/, ''))}`);
  return /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(s) ? ok(s) : fail(`${q(s)} is not a flag name`);
};

/** A Linux network interface name (at most 15 bytes, no "/", ":" or white space). */
export const interfaceName: Parse<string> = (s) =>
  s.length >= 1 && s.length <= 15 && /^[^/:\s]+$/.test(s) && s !== '.' && s !== '..'
    ? ok(s)
    : fail(`${q(s)} is not a network interface name; expected at most 15 characters without "/", ":" or spaces, e.g. "eth0" or "enp1s0"`);


/** A full Kubernetes release ("v1.33.2") from the supported table in src/versions.ts. */
export const kubernetesVersion: Parse<string> = (s) => {
  // Semantic versioning forbids leading zeros (semver.org item 2); "v1.33.02" is not a release.
  if (!isWellFormedVersion(s) || /[.v]0[0-9]/.test(s)) return fail(`${q(s)} is not a Kubernetes version; expected the form "v1.33.2"`);
  if (!versionInfo(s)) return fail(`${q(s)} is not supported; kgen supports ${SUPPORTED_RANGE}`);
  return ok(s);
};
