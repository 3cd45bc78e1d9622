// cloud-init network-config version 2 (netplan-style) for a node with a `network` section
// (cloud-init docs: reference/network-config-format-v2). A default route is written as `to: 0.0.0.0/0`
// (or ::/0) rather than `to: default`, which older cloud-init parsers (Debian 12's 22.4) don't accept
// on every renderer. It lives in the inventory layer, not in generators/, because the PXE kernel command line
// carries it too (pxe-rules.ts) and validation checks that line's length.
import { isNetworkShorthand, type NetworkDevices, type NetworkRoute, type NetworkShorthand, type NodeSpec } from './types.js';
import { toYaml } from '../yaml.js';

export function renderNetworkConfig(node: Pick<NodeSpec, 'network' | 'mac'>): string | undefined {
  const net = node.network;
  if (!net) return undefined;
  return toYaml({ version: 2, ...(isNetworkShorthand(net) ? shorthandDevices(net, node.mac) : deviceSections(net)) });
}

function defaultRouteVia(via: string): string {
  return via.includes(':') ? '::/0' : '0.0.0.0/0';
}

function shorthandDevices(net: NetworkShorthand, mac: string | undefined): Pick<NetworkDevices, 'ethernets'> {
  const ethernet: Record<string, unknown> = {};
  if (mac) {
    ethernet.match = { macaddress: mac };
    ethernet['set-name'] = net.interface;
  }
  ethernet.addresses = net.addresses;
  if (net.gateway) ethernet.routes = [{ to: defaultRouteVia(net.gateway), via: net.gateway }];
  if (net.nameservers.length > 0 || net.searchDomains.length > 0) {
    ethernet.nameservers = { addresses: net.nameservers, search: net.searchDomains };
  }
  return { ethernets: { [net.interface]: ethernet } };
}

/** The inventory's device sections as written, empty sections left out and `to: default` spelt out. */
function deviceSections(net: NetworkDevices): Partial<NetworkDevices> {
  const out: Record<string, Record<string, { routes?: NetworkRoute[] }>> = {};
  for (const section of ['ethernets', 'bonds', 'bridges', 'vlans'] as const) {
    const entries = Object.entries(net[section]);
    if (entries.length === 0) continue;
    out[section] = Object.fromEntries(entries.map(([name, device]) => [name, device.routes ? { ...device, routes: device.routes.map(spellDefault) } : device]));
  }
  return out as Partial<NetworkDevices>;
}

function spellDefault(route: NetworkRoute): NetworkRoute {
  if (route.to !== 'default') return route;
  return { ...route, to: route.via === undefined ? '0.0.0.0/0' : defaultRouteVia(route.via) };
}
