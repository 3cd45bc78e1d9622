// ClusterIP assignment for Services, as kube-apiserver's service REST storage and IP allocator do
// (pkg/registry/core/service/ipallocator): a requested spec.clusterIP must lie inside
// --service-cluster-ip-range and be free; without one, a free address is assigned. "None" is a
// headless Service. IPv4 only; with an IPv6 range the requested address is stored unchecked.
import { randomInt } from 'node:crypto';
import { isIPv4 } from 'node:net';

const toInt = (ip: string): number => ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
const toIp = (n: number): string => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

export interface ServiceRange {
  cidr: string;
  base: number;
  size: number;
}

export function parseServiceRange(cidr: string | undefined): ServiceRange | undefined {
  const first = cidr?.split(',')[0];
  const [addr, bits] = first?.split('/') ?? [];
  if (!first || !addr || !isIPv4(addr)) return undefined;
  const size = 2 ** (32 - Number(bits));
  return { cidr: first, base: toInt(addr) - (toInt(addr) % size), size };
}

/** The problem with `ip` for the range (upstream's message), or undefined when it is usable. */
export function clusterIPProblem(range: ServiceRange, ip: string, used: Set<string>): string | undefined {
  const n = isIPv4(ip) ? toInt(ip) : NaN;
  // The network and broadcast addresses are never handed out.
  if (!(n > range.base && n < range.base + range.size - 1)) {
    return `failed to allocate IP ${ip}: the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${range.cidr}`;
  }
  if (used.has(ip)) return `failed to allocate IP ${ip}: provided IP is already allocated`;
  return undefined;
}

export function allocateClusterIP(range: ServiceRange, used: Set<string>): string {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const ip = toIp(range.base + 1 + randomInt(Math.max(1, range.size - 2)));
    if (!used.has(ip)) return ip;
  }
  throw new Error(`no free ClusterIP left in ${range.cidr}`);
}
