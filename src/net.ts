// IP address and CIDR arithmetic, IPv4 and IPv6 alike, with addresses held as BigInt.
// Parsing is strict in the way Go's net/netip is (no leading zeros in IPv4 octets, no zones), because
// every address here ends up in a Go program's flags (kube-apiserver, kubelet, etcd).
// The "Nth address of a subnet" rule mirrors k8s.io/utils/net GetIndexedIP, which kubeadm uses for the
// service network's apiserver and DNS addresses (upstream: cmd/kubeadm/app/constants/constants.go
// GetAPIServerVirtualIP, GetDNSIP). Base layer: the inventory checks, the certificate SANs and the
// Kubernetes objects all use it.

import { isIPv6 } from 'node:net';

export type Family = 4 | 6;

export interface IP {
  family: Family;
  value: bigint;
}

export interface CIDR {
  /** The address as written (host bits kept, e.g. a node's 10.0.0.11/24). */
  ip: IP;
  prefix: number;
}

const BITS: Record<Family, number> = { 4: 32, 6: 128 };

export function familyBits(family: Family): number {
  return BITS[family];
}

function parseIPv4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255) return undefined;
    value = (value << 8n) | BigInt(p);
  }
  return value;
}

function parseGroups(s: string): bigint[] | undefined {
  if (s === '') return [];
  const groups: bigint[] = [];
  const parts = s.split(':');
  for (const [i, p] of parts.entries()) {
    if (i === parts.length - 1 && p.includes('.')) {
      const v4 = parseIPv4(p);
      if (v4 === undefined) return undefined;
      groups.push(v4 >> 16n, v4 & 0xffffn);
    } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) {
      groups.push(BigInt(`0x${p}`));
    } else {
      return undefined;
    }
  }
  return groups;
}

function parseIPv6(s: string): bigint | undefined {
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const head = parseGroups(halves[0]!);
  const tail = halves.length === 2 ? parseGroups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...Array<bigint>(missing).fill(0n), ...tail];
  return groups.reduce((acc, g) => (acc << 16n) | g, 0n);
}

/** Parses a literal IPv4 or IPv6 address (no brackets, no zone); undefined when it is not one. */
export function parseIP(s: string): IP | undefined {
  if (s.includes(':')) {
    const value = parseIPv6(s);
    return value === undefined ? undefined : { family: 6, value };
  }
  const value = parseIPv4(s);
  return value === undefined ? undefined : { family: 4, value };
}

/** Parses "address/prefix"; undefined when it is not one. */
export function parseCIDR(s: string): CIDR | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIP(s.slice(0, slash));
  const prefixText = s.slice(slash + 1);
  if (!ip || !/^(0|[1-9][0-9]{0,2})$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > BITS[ip.family]) return undefined;
  return { ip, prefix };
}

function hostMask(family: Family, prefix: number): bigint {
  return (1n << BigInt(BITS[family] - prefix)) - 1n;
}

/** The network address of a CIDR (host bits cleared). */
export function networkOf(c: CIDR): IP {
  return { family: c.ip.family, value: c.ip.value & ~hostMask(c.ip.family, c.prefix) };
}

/** Number of addresses in the CIDR. */
export function sizeOf(c: CIDR): bigint {
  return 1n << BigInt(BITS[c.ip.family] - c.prefix);
}

export function contains(c: CIDR, ip: IP): boolean {
  return c.ip.family === ip.family && networkOf(c).value === networkOf({ ip, prefix: c.prefix }).value;
}

export function overlaps(a: CIDR, b: CIDR): boolean {
  if (a.ip.family !== b.ip.family) return false;
  const shorter = a.prefix <= b.prefix ? a : b;
  return contains(shorter, (shorter === a ? b : a).ip);
}

/** The index-th address of the subnet (GetIndexedIP); undefined when the subnet is too small. */
export function indexedIP(c: CIDR, index: number): IP | undefined {
  if (BigInt(index) >= sizeOf(c)) return undefined;
  return { family: c.ip.family, value: networkOf(c).value + BigInt(index) };
}

export function sameIP(a: IP, b: IP): boolean {
  return a.family === b.family && a.value === b.value;
}

/** Canonical text: dotted quad, or RFC 5952 (lower case, longest zero run compressed). */
export function formatIP(ip: IP): string {
  if (ip.family === 4) {
    return [24n, 16n, 8n, 0n].map((s) => String((ip.value >> s) & 0xffn)).join('.');
  }
  const groups = Array.from({ length: 8 }, (_, i) => Number((ip.value >> BigInt(112 - 16 * i)) & 0xffffn));
  let best = { start: -1, len: 1 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.len) best = { start: i, len: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.start < 0) return hex.join(':');
  return `${hex.slice(0, best.start).join(':')}::${hex.slice(best.start + best.len).join(':')}`;
}

export function formatCIDR(c: CIDR): string {
  return `${formatIP(c.ip)}/${c.prefix}`;
}

/** Address classes that cannot identify one host on the network (IANA special-purpose registries, RFC 6890). */
export type SpecialAddress = 'unspecified' | 'loopback' | 'multicast' | 'broadcast';

/** The special class of `ip`, or undefined for an ordinary unicast address. */
export function specialClass(ip: IP): SpecialAddress | undefined {
  if (ip.value === 0n) return 'unspecified'; // 0.0.0.0, ::
  if (ip.family === 4) {
    const first = Number(ip.value >> 24n);
    if (ip.value === 0xffffffffn) return 'broadcast'; // 255.255.255.255 (RFC 919)
    if (first === 0) return 'unspecified'; // 0.0.0.0/8: "this network" (RFC 1122), not a destination
    if (first === 127) return 'loopback';
    if (first >= 224 && first <= 239) return 'multicast';
    return undefined;
  }
  if (ip.value === 1n) return 'loopback'; // ::1
  if (ip.value >> 120n === 0xffn) return 'multicast'; // ff00::/8
  return undefined;
}

/** host:port with brackets for IPv6 literals (Go net.JoinHostPort). */
export function joinHostPort(host: string, port: number): string {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

// ---- the service network (kubeadm constants) ----------------------------------------------------

/**
 * The address `n` positions after the network address of `cidr` (n=1 → first host).
 * For a dual-stack list ("a,b") the first CIDR is used, as kubeadm does.
 */
export function nthIP(cidr: string, n: number): string {
  const first = cidr.split(',')[0]!.trim();
  const parsed = parseCIDR(first);
  if (!parsed) throw new Error(`"${first}" is not a CIDR; expected an address and prefix length such as 10.96.0.0/12 or fd00:10:96::/112`);
  const ip = indexedIP(parsed, n);
  if (!ip) throw new Error(`${first} has ${sizeOf(parsed)} addresses, so it has no address at index ${n}; use a larger subnet`);
  return formatIP(ip);
}

/** The in-cluster apiserver Service IP: first address of the service subnet. */
export function apiServerServiceIP(serviceSubnet: string): string {
  return nthIP(serviceSubnet, 1);
}

/** The cluster DNS Service IP: tenth address of the service subnet. */
export function dnsServiceIP(serviceSubnet: string): string {
  return nthIP(serviceSubnet, 10);
}
