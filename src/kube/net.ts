// IP arithmetic for the service network: the nth address of a CIDR (BigInt, IPv4 and IPv6),
// as kubeadm's constants.GetAPIServerVirtualIP (1st IP) and GetDNSIP (10th IP) compute them
// (upstream: cmd/kubeadm/app/constants/constants.go, k8s.io/utils/net GetIndexedIP).
import { isIPv4, isIPv6 } from 'node:net';

interface ParsedCIDR {
  family: 4 | 6;
  base: bigint;
  prefix: number;
}

function parseIPv4(ip: string): bigint {
  return ip.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
}

function parseIPv6(ip: string): bigint {
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = tail === undefined ? headGroups : [...headGroups, ...Array<string>(missing).fill('0'), ...tailGroups];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function formatIPv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
}

/** RFC 5952 text form: lower case, longest run of zero groups (length >= 2) collapsed. */
function formatIPv6(value: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt((7 - i) * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

function parseCIDR(cidr: string): ParsedCIDR {
  const [ip, prefixText] = cidr.split('/');
  const prefix = Number(prefixText);
  if (ip && isIPv4(ip) && Number.isInteger(prefix) && prefix >= 0 && prefix <= 32) {
    return { family: 4, base: parseIPv4(ip), prefix };
  }
  if (ip && isIPv6(ip) && Number.isInteger(prefix) && prefix >= 0 && prefix <= 128) {
    return { family: 6, base: parseIPv6(ip), prefix };
  }
  throw new Error(`"${cidr}" is not a CIDR; expected an address and prefix length such as 10.96.0.0/12 or fd00:10:96::/112`);
}

/**
 * The address `n` positions after the network address of `cidr` (n=1 → first host).
 * For a dual-stack list ("a,b") the first CIDR is used, as kubeadm does.
 */
export function nthIP(cidr: string, n: number): string {
  const first = cidr.split(',')[0]!.trim();
  const { family, base, prefix } = parseCIDR(first);
  const bits = family === 4 ? 32 : 128;
  const size = 1n << BigInt(bits - prefix);
  const network = (base >> BigInt(bits - prefix)) << BigInt(bits - prefix);
  if (BigInt(n) >= size) {
    throw new Error(`${first} has ${size} addresses, so it has no address at index ${n}; use a larger subnet`);
  }
  const value = network + BigInt(n);
  return family === 4 ? formatIPv4(value) : formatIPv6(value);
}

/** The in-cluster apiserver Service IP: first address of the service subnet. */
export function apiServerServiceIP(serviceSubnet: string): string {
  return nthIP(serviceSubnet, 1);
}

/** The cluster DNS Service IP: tenth address of the service subnet. */
export function dnsServiceIP(serviceSubnet: string): string {
  return nthIP(serviceSubnet, 10);
}

/** host:port with brackets for IPv6 literals (Go net.JoinHostPort). */
export function joinHostPort(host: string, port: number): string {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}
