// IP arithmetic for the service network: the nth address of a CIDR, as kubeadm's
// constants.GetAPIServerVirtualIP (1st IP) and GetDNSIP (10th IP) compute them
// (upstream: cmd/kubeadm/app/constants/constants.go, k8s.io/utils/net GetIndexedIP).
// Parsing and formatting are src/inventory/net.ts's (strict, like Go's net/netip).
import { isIPv6 } from 'node:net';
import { formatIP, indexedIP, parseCIDR, sizeOf } from '../inventory/net.js';

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

/** host:port with brackets for IPv6 literals (Go net.JoinHostPort). */
export function joinHostPort(host: string, port: number): string {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}
