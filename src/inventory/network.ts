// Checks of a node's `network` section that the schema cannot express: how the devices of network-config v2
// refer to each other (netplan's rules: a bond's or bridge's interfaces and a VLAN's link name declared
// devices, a device joins at most one bond or bridge and then carries no addressing of its own, set-name needs a
// match), names that would silently mean something else, and whether the node's own address is assigned.
import type { DraftNode } from './draft.js';
import { parseCIDR, parseIP, sameIP } from '../net.js';
import type { Path } from './path.js';
import { quote } from './excerpt.js';
import type { SemanticContext } from './semantic.js';
import type { DeviceAddressing, NetworkDevices } from './types.js';

type DraftDevices = { [S in keyof NetworkDevices]?: Record<string, Partial<NetworkDevices[S][string]> | undefined> };
type Section = keyof NetworkDevices;
const SECTIONS: readonly Section[] = ['ethernets', 'bonds', 'bridges', 'vlans'];

/** A kernel VLAN device name: <link>.<id>. */
const VLAN_NAME = /^(.+)\.(\d+)$/;

export function checkNodeNetwork(node: DraftNode, i: number, ctx: SemanticContext): void {
  const net = node.network;
  if (!net) return;
  const at = (...rest: Path) => ['nodes', i, 'network', ...rest];
  if (!('ethernets' in net)) {
    checkAddressAssigned(node, 'addresses' in net ? net.addresses ?? [] : [], false, at('addresses'), ctx);
    return;
  }
  const devices = net as DraftDevices;
  const declared = new Map<string, Section>();
  const all: Array<{ section: Section; name: string; device: Partial<DeviceAddressing> }> = [];
  for (const section of SECTIONS) {
    for (const [name, device] of Object.entries(devices[section] ?? {})) {
      if (!device) continue;
      const first = declared.get(name);
      if (first) ctx.report('error', at(section, name), 'key', `${quote(name)} is already declared under ${first}; a device name is used once`);
      else declared.set(name, section);
      all.push({ section, name, device });
      const vlan = VLAN_NAME.exec(name);
      if (vlan && section !== 'vlans') {
        ctx.report('error', at(section, name), 'key',
          `${quote(name)} is named like VLAN ${vlan[2]} on ${vlan[1]}; declare it under vlans with id: ${vlan[2]} and link: ${vlan[1]}`);
      }
    }
  }
  if (all.length === 0) {
    ctx.report('error', at(), 'value', 'no device is declared; write at least one entry under ethernets, bonds, bridges or vlans');
    return;
  }

  const memberOf = new Map<string, string>();
  for (const section of ['bonds', 'bridges'] as const) {
    for (const [name, device] of Object.entries(devices[section] ?? {})) {
      for (const [k, member] of (device?.interfaces ?? []).entries()) {
        if (member === undefined) continue;
        const where = at(section, name, 'interfaces', k);
        const kind = declared.get(member);
        if (!kind) ctx.report('error', where, 'value', `${quote(member)} is not declared under ethernets${section === 'bridges' ? ', bonds or vlans' : ''}`);
        else if (kind === 'bridges' || (section === 'bonds' && kind !== 'ethernets')) {
          ctx.report('error', where, 'value', `${quote(member)} is declared under ${kind}; a ${section === 'bonds' ? 'bond' : 'bridge'} cannot hold it`);
        }
        const owner = memberOf.get(member);
        if (owner) ctx.report('error', where, 'value', `${quote(member)} is already a member of ${owner}; an interface joins one bond or bridge`);
        else memberOf.set(member, name);
      }
    }
  }
  for (const [name, device] of Object.entries(devices.vlans ?? {})) {
    const link = device?.link;
    if (link !== undefined && !declared.has(link)) ctx.report('error', at('vlans', name, 'link'), 'value', `${quote(link)} is not a declared device`);
    const vlan = VLAN_NAME.exec(name);
    if (vlan && device?.id !== undefined && Number(vlan[2]) !== device.id) {
      ctx.report('warning', at('vlans', name, 'id'), 'value', `the name ${quote(name)} says VLAN ${vlan[2]} but id is ${device.id}`);
    }
  }
  for (const [name, device] of Object.entries(devices.ethernets ?? {})) {
    if (device?.['set-name'] !== undefined && !device.match) {
      ctx.report('error', at('ethernets', name, 'set-name'), 'key', 'set-name needs a match (macaddress, name or driver) to know which interface to rename');
    }
  }

  for (const { section, name, device } of all) {
    const owner = memberOf.get(name);
    if (!owner) continue;
    for (const key of ['addresses', 'dhcp4', 'dhcp6', 'routes'] as const) {
      if (device[key] === undefined || device[key] === false) continue;
      ctx.report('error', at(section, name, key), 'key', `${quote(name)} is a member of ${owner}, so it carries no ${key} of its own; put them on ${owner}`);
    }
  }
  for (const { section, name, device } of all) {
    for (const [k, route] of (device.routes ?? []).entries()) {
      if (route?.to === 'default' && route.via === undefined) {
        ctx.report('error', at(section, name, 'routes', k, 'to'), 'value', 'a default route needs "via" (the gateway)');
      }
    }
  }

  if (node.mac && !all.some(({ section, device }) => section === 'ethernets' && (device as { match?: { macaddress?: string } }).match?.macaddress === node.mac)) {
    ctx.report('warning', at(), 'value', `no ethernets entry matches the node's mac ${node.mac}; the interface it boots from is left unconfigured`);
  }
  const dhcp = all.some(({ device }) => device.dhcp4 === true || device.dhcp6 === true);
  checkAddressAssigned(node, all.flatMap(({ device }) => device.addresses ?? []), dhcp, at(), ctx);
}

function checkAddressAssigned(node: DraftNode, addresses: (string | undefined)[], dhcp: boolean, path: Path, ctx: SemanticContext): void {
  const ip = node.address === undefined ? undefined : parseIP(node.address);
  const cidrs = addresses.flatMap((a) => (a === undefined ? [] : [parseCIDR(a)!]));
  if (!ip || dhcp || cidrs.length === 0) return;
  if (!cidrs.some((a) => sameIP(a.ip, ip))) {
    ctx.report('warning', path, 'value', `no entry assigns the node's address ${node.address}; the node would advertise an address its interface does not have`);
  }
}
