// The rendered network-config against cloud-init's own v2 parser and renderers (Debian 12's cloud-init 22.4,
// `cloud-init devel net-convert`): ifupdown (Debian's default renderer) and netplan (Ubuntu's) must both turn the
// inventory's bonds, VLANs and bridges into the devices the operator described.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadInventory } from './load.js';
import { renderNetworkConfig } from './network-config.js';

const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/inventory/valid');
const { inventory, diagnostics } = loadInventory('network-v2.yaml', { readFile: (p) => readFileSync(p, 'utf8'), cwd: FIXTURES });
const work = mkdtempSync(join(tmpdir(), 'kgen-netcfg-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function networkConfig(name: string): string {
  const node = inventory!.nodes.find((n) => n.name === name)!;
  return renderNetworkConfig(node)!;
}

/** What cloud-init renders from our network-config with the given renderer: every output file's text, joined. */
function cloudInitRenders(name: string, renderer: 'eni' | 'netplan' | 'networkd'): string {
  const dir = join(work, `${name}-${renderer}`);
  const input = join(work, `${name}.yaml`);
  writeFileSync(input, networkConfig(name));
  execFileSync('cloud-init', ['devel', 'net-convert', '-p', input, '-k', 'yaml', '-D', 'debian', '-O', renderer, '-d', dir], { stdio: 'pipe' });
  const files = execFileSync('find', [dir, '-type', 'f'], { encoding: 'utf8' }).split('\n').filter(Boolean).sort();
  return files.map((f) => readFileSync(f, 'utf8')).join('\n');
}

describe('network-config v2 device sections', () => {
  it('the fixture loads without findings', () => {
    expect(diagnostics).toEqual([]);
  });

  it('a bond of two NICs with a tagged VLAN on top: ifupdown gets the bond, its members and the VLAN', () => {
    const eni = cloudInitRenders('cp-1', 'eni');
    expect(eni).toMatch(/iface bond0 inet manual[\s\S]*bond-mode 802\.3ad[\s\S]*bond-xmit-hash-policy layer3\+4[\s\S]*mtu 9000/);
    expect(eni).toMatch(/iface eno1 inet manual\n(\s+.*\n)*\s+bond-master bond0/);
    expect(eni).toMatch(/iface eno2 inet manual\n(\s+.*\n)*\s+bond-master bond0/);
    expect(eni).toMatch(/iface bond0\.300 inet static\n(\s+.*\n)*\s+address 10\.30\.0\.11\/24/);
    expect(eni).toMatch(/iface bond0\.300 inet static\n(\s+.*\n)*\s+post-up route add default gw 10\.30\.0\.1/);
    expect(eni).toMatch(/vlan-raw-device bond0/);
    expect(eni).toMatch(/vlan_id 300/);
  });

  it('netplan receives the devices as written, with the default route spelt out for old parsers', () => {
    const netplan = parse(cloudInitRenders('cp-1', 'netplan')).network;
    expect(netplan.bonds.bond0.interfaces).toEqual(['eno1', 'eno2']);
    expect(netplan.bonds.bond0.parameters).toMatchObject({ mode: '802.3ad', 'lacp-rate': 'fast', 'mii-monitor-interval': 100 });
    expect(netplan.vlans['bond0.300']).toMatchObject({ id: 300, link: 'bond0', addresses: ['10.30.0.11/24'] });
    expect(netplan.vlans['bond0.300'].routes).toEqual([{ to: '0.0.0.0/0', via: '10.30.0.1' }]);
    expect(networkConfig('cp-1')).not.toContain('default');
  });

  it('a bridge over one NIC and a DHCP-only NIC', () => {
    expect(cloudInitRenders('cp-2', 'eni')).toMatch(/iface br0 inet static\n(\s+.*\n)*\s+bridge_ports enp1s0/);
    expect(cloudInitRenders('cp-3', 'networkd')).toMatch(/Name=enp1s0[\s\S]*DHCP=ipv4/);
  });

  it('the one-interface shorthand still renders one static ethernet', () => {
    expect(parse(networkConfig('w-1'))).toEqual({
      version: 2,
      ethernets: { enp1s0: { addresses: ['10.30.0.21/24'], routes: [{ to: '0.0.0.0/0', via: '10.30.0.1' }] } },
    });
    expect(cloudInitRenders('w-1', 'networkd')).toMatch(/Address=10\.30\.0\.21\/24[\s\S]*Gateway=10\.30\.0\.1/);
  });
});
