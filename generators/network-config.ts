// cloud-init network-config version 2 (netplan-style) for a node with a `network` section
// (cloud-init docs: reference/network-config-format-v2). A default route is written as `to: 0.0.0.0/0`
// (or ::/0) rather than `to: default`, which older cloud-init parsers (Debian 12's 22.4) don't accept
// on every renderer.
import type { NodeSpec } from '../src/inventory/types.js';
import { toYaml } from '../src/yaml.js';

export function renderNetworkConfig(node: NodeSpec): string | undefined {
  const net = node.network;
  if (!net) return undefined;
  const ethernet: Record<string, unknown> = {};
  if (node.mac) {
    ethernet.match = { macaddress: node.mac };
    ethernet['set-name'] = net.interface;
  }
  ethernet.addresses = net.addresses;
  if (net.gateway) ethernet.routes = [{ to: net.gateway.includes(':') ? '::/0' : '0.0.0.0/0', via: net.gateway }];
  if (net.nameservers.length > 0 || net.searchDomains.length > 0) {
    ethernet.nameservers = { addresses: net.nameservers, search: net.searchDomains };
  }
  return toYaml({ version: 2, ethernets: { [net.interface]: ethernet } });
}
