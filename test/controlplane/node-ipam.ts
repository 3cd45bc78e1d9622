// The nodeipam controller's range allocator with --allocate-node-cidrs
// (pkg/controller/nodeipam/ipam/range_allocator.go): every Node without spec.podCIDR gets the
// first free /<node-cidr-mask-size> of --cluster-cidr (default /24), skipping subnets that overlap
// --service-cluster-ip-range, written as spec.podCIDR and spec.podCIDRs. IPv4 only.
import type { ControllerContext } from './controller-client.js';

const toInt = (ip: string): number => ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
const toIp = (n: number): string => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

interface Cidr {
  base: number;
  bits: number;
}

export function parseCidr(cidr: string): Cidr | undefined {
  const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(cidr.trim());
  if (!m) return undefined;
  const bits = Number(m[2]);
  const size = 2 ** (32 - bits);
  return { base: toInt(m[1]!) - (toInt(m[1]!) % size), bits };
}

const overlaps = (a: Cidr, b: Cidr): boolean => {
  const [sa, sb] = [2 ** (32 - a.bits), 2 ** (32 - b.bits)];
  return a.base < b.base + sb && b.base < a.base + sa;
};

function nextFreeSubnet(cluster: Cidr, maskBits: number, used: Cidr[]): string | undefined {
  const size = 2 ** (32 - maskBits);
  for (let base = cluster.base; base < cluster.base + 2 ** (32 - cluster.bits); base += size) {
    const candidate = { base, bits: maskBits };
    if (!used.some((u) => overlaps(u, candidate))) return `${toIp(base)}/${maskBits}`;
  }
  return undefined;
}

export async function syncNodeIpam({ informer, client }: ControllerContext, cluster: Cidr, maskBits: number, serviceRange: Cidr | undefined): Promise<string[]> {
  const nodes = (await informer.call('GET', '/api/v1/nodes')).items as Array<{ metadata: { name: string }; spec?: { podCIDR?: string } }>;
  const used = nodes.map((n) => (n.spec?.podCIDR ? parseCidr(n.spec.podCIDR) : undefined)).filter((c): c is Cidr => !!c);
  if (serviceRange) used.push(serviceRange);
  const assigned: string[] = [];
  for (const n of nodes) {
    if (n.spec?.podCIDR) continue;
    const cidr = nextFreeSubnet(cluster, maskBits, used);
    if (!cidr) throw new Error(`no free /${maskBits} left in the cluster CIDR for node ${n.metadata.name}`);
    await client.call('PATCH', `/api/v1/nodes/${n.metadata.name}`, { spec: { podCIDR: cidr, podCIDRs: [cidr] } }, 'application/strategic-merge-patch+json');
    used.push(parseCidr(cidr)!);
    assigned.push(`${n.metadata.name}=${cidr}`);
  }
  return assigned;
}
