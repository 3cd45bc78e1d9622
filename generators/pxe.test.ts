// Checks the iPXE scripts: the MAC chain in boot.ipxe, the kernel command line of a node script, what
// is refused, and that the real cloud-init (Debian's, via its own Python) reads our ds= argument as an
// http seed in network mode.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ClusterSpec, NodeSpec } from '../src/inventory/types.js';
import { nodeIpxeFileName, pxeFiles, renderBootIpxe, renderNodeIpxe } from './pxe.js';

function cluster(pxe: Partial<ClusterSpec['pxe']> = {}): ClusterSpec {
  return {
    pxe: { imageBaseURL: 'http://10.0.0.1:8080/images/debian-12', seedBaseURL: 'http://10.0.0.1:8080', kernelArgs: ['console=ttyS0,115200n8', 'ip=dhcp'], ...pxe },
  } as ClusterSpec;
}

function node(overrides: Partial<NodeSpec> = {}): NodeSpec {
  return { name: 'cp-1', address: '10.0.0.11', mac: '52:54:00:12:34:56', kernelArgs: ['net.ifnames=0'], ...overrides } as NodeSpec;
}

/** The words of the script's `kernel` command, split the way iPXE splits them. */
function kernelWords(script: string): string[] {
  const line = script.split('\n').find((l) => l.startsWith('kernel '));
  if (!line) throw new Error(`no kernel line in:\n${script}`);
  return line.split(/\s+/);
}

describe('renderBootIpxe', () => {
  const script = renderBootIpxe();

  it('is an iPXE script', () => {
    expect(script.startsWith('#!ipxe\n')).toBe(true);
  });

  it('fetches <mac:hexhyp>.ipxe relative to its own URL and runs it', () => {
    expect(script).toMatch(/^imgfetch --name kgen-node \$\{mac:hexhyp\}\.ipxe \|\| goto unknown$/m);
    expect(script).toMatch(/^imgexec kgen-node \|\| goto failed$/m);
  });

  it('names the MAC and exits to the next boot device when the machine is unknown', () => {
    const unknown = script.slice(script.indexOf('\n:unknown\n'));
    expect(unknown).toMatch(/^echo kgen: no boot script for MAC \$\{mac\} /m);
    expect(unknown.split('\n:failed\n')[0]).toMatch(/\nsleep 10\nexit 1$/);
  });

  it('every label a goto names exists', () => {
    const targets = [...script.matchAll(/goto (\S+)/g)].map((m) => m[1]);
    for (const t of targets) expect(script).toMatch(new RegExp(`^:${t}$`, 'm'));
  });

  it('no echo word would be read as a comment or a command separator', () => {
    for (const line of script.split('\n').filter((l) => l.startsWith('echo '))) {
      for (const word of line.split(/\s+/)) {
        expect(word.startsWith('#') || ['||', '&&', ';'].includes(word), `${word} in ${line}`).toBe(false);
      }
    }
  });

  it('takes the delay', () => {
    expect(renderBootIpxe({ unknownDelaySeconds: 3 })).toMatch(/^sleep 3$/m);
    expect(() => renderBootIpxe({ unknownDelaySeconds: -1 })).toThrow(/delay -1 is not valid/);
  });
});

describe('renderNodeIpxe', () => {
  const script = renderNodeIpxe(node(), cluster());

  it('boots kernel and initrd from imageBaseURL', () => {
    expect(script.startsWith('#!ipxe\n')).toBe(true);
    expect(kernelWords(script).slice(0, 4)).toEqual(['kernel', '--name', 'vmlinuz', 'http://10.0.0.1:8080/images/debian-12/vmlinuz']);
    expect(script).toMatch(/^initrd --name initrd\.img http:\/\/10\.0\.0\.1:8080\/images\/debian-12\/initrd\.img \|\| goto failed$/m);
    expect(script).toMatch(/^boot \|\| goto failed$/m);
  });

  it('passes cluster args, then node args, then initrd= and the NoCloud seed', () => {
    expect(kernelWords(script).slice(4)).toEqual([
      'console=ttyS0,115200n8',
      'ip=dhcp',
      'net.ifnames=0',
      'initrd=initrd.img',
      'ds=nocloud;s=http://10.0.0.1:8080/nodes/cp-1/;dsmode=net',
      '||',
      'goto',
      'failed',
    ]);
  });

  it.each([
    { name: 'trailing slashes on base URLs', pxe: { imageBaseURL: 'http://h/img/', seedBaseURL: 'https://h/seed//' }, kernel: 'http://h/img/vmlinuz', seed: 'ds=nocloud;s=https://h/seed/nodes/cp-1/;dsmode=net' },
    { name: 'a tftp image server', pxe: { imageBaseURL: 'tftp://10.0.0.1/debian' }, kernel: 'tftp://10.0.0.1/debian/vmlinuz', seed: 'ds=nocloud;s=http://10.0.0.1:8080/nodes/cp-1/;dsmode=net' },
    { name: 'an IPv6 seed server', pxe: { seedBaseURL: 'http://[fd00::1]:8080' }, kernel: 'http://10.0.0.1:8080/images/debian-12/vmlinuz', seed: 'ds=nocloud;s=http://[fd00::1]:8080/nodes/cp-1/;dsmode=net' },
  ])('joins URLs: $name', ({ pxe, kernel, seed }) => {
    const words = kernelWords(renderNodeIpxe(node(), cluster(pxe)));
    expect(words[3]).toBe(kernel);
    expect(words).toContain(seed);
  });

  it.each([
    { name: 'a space in a kernel arg', c: cluster({ kernelArgs: ['quiet splash'] }), error: /cluster\.pxe\.kernelArgs\[0\] "quiet splash" contains a space/ },
    { name: 'a tab in a node kernel arg', n: node({ kernelArgs: ['a\tb'] }), error: /nodes\[cp-1\]\.kernelArgs\[0\] "a\\tb" contains a space/ },
    { name: 'an iPXE setting in an arg', c: cluster({ kernelArgs: ['hostname=${hostname}'] }), error: /contains '\$\{'/ },
    { name: 'an arg starting a comment', c: cluster({ kernelArgs: ['#quiet'] }), error: /starts with '#'/ },
    { name: 'an arg that is ||', n: node({ kernelArgs: ['||'] }), error: /is an iPXE command separator/ },
    { name: 'an arg that is ;', n: node({ kernelArgs: [';'] }), error: /is an iPXE command separator/ },
    { name: 'a double quote', n: node({ kernelArgs: ['init="/bin/sh"'] }), error: /contains '"'/ },
    { name: 'a non-ASCII arg', n: node({ kernelArgs: ['lang=français'] }), error: /non-ASCII/ },
    { name: 'an empty arg', n: node({ kernelArgs: [''] }), error: /is empty/ },
    { name: 'a ds= of its own', n: node({ kernelArgs: ['ds=nocloud'] }), error: /sets ds=, which kgen sets itself/ },
    { name: 'an initrd= of its own', c: cluster({ kernelArgs: ['initrd=x'] }), error: /sets initrd=/ },
    { name: 'a ; in the seed URL', c: cluster({ seedBaseURL: 'http://h/a;b' }), error: /seedBaseURL "http:\/\/h\/a;b" contains ";"/ },
    { name: 'a % in the seed URL', c: cluster({ seedBaseURL: 'http://h/%73' }), error: /contains "%"/ },
    { name: 'a space in the image URL', c: cluster({ imageBaseURL: 'http://h/my images' }), error: /imageBaseURL "http:\/\/h\/my images" contains a space/ },
    { name: 'a relative image URL', c: cluster({ imageBaseURL: 'images/debian' }), error: /is not an absolute URL/ },
    { name: 'a tftp seed URL', c: cluster({ seedBaseURL: 'tftp://h/seed' }), error: /uses tftp; expected one of http, https/ },
    { name: 'a query in the seed URL', c: cluster({ seedBaseURL: 'http://h/?x=1' }), error: /has a query or fragment/ },
    { name: 'a command line over 2048 characters', c: cluster({ kernelArgs: Array.from({ length: 300 }, (_, i) => `arg${i}=xxxx`) }), error: /Linux keeps only 2048/ },
  ])('refuses $name', ({ c, n, error }) => {
    expect(() => renderNodeIpxe(n ?? node(), c ?? cluster())).toThrow(error);
  });
});

describe('nodeIpxeFileName and pxeFiles', () => {
  it('names a script after the MAC with hyphens, as ${mac:hexhyp} prints it', () => {
    expect(nodeIpxeFileName('52:54:00:ab:cd:ef')).toBe('52-54-00-ab-cd-ef.ipxe');
  });

  it.each(['52:54:00:AB:CD:EF', '52-54-00-ab-cd-ef', '52:54:00:ab:cd'])('refuses MAC %s', (mac) => {
    expect(() => nodeIpxeFileName(mac)).toThrow(/is not in the expected form/);
  });

  it('lists boot.ipxe and one script per node that has a MAC', () => {
    const files = pxeFiles(cluster(), [node(), node({ name: 'w-1', mac: '52:54:00:00:00:02' }), node({ name: 'w-2', mac: undefined })]);
    expect(files.map((f) => f.path)).toEqual(['pxe/boot.ipxe', 'pxe/52-54-00-12-34-56.ipxe', 'pxe/52-54-00-00-00-02.ipxe']);
    expect(files[2]!.data.toString()).toContain('s=http://10.0.0.1:8080/nodes/w-1/;');
  });
});

describe('the seed argument, read by the real cloud-init', () => {
  // Debian's cloud-init runs under the interpreter named in its own launcher.
  const python = readFileSync('/usr/bin/cloud-init', 'utf8').split('\n')[0]!.replace(/^#!/, '').trim();

  it('cloud-init parses an http seedfrom in network mode (dsmode=net)', () => {
    const cmdline = kernelWords(renderNodeIpxe(node(), cluster())).slice(4, -3).join(' ');
    const program = [
      'import json, sys',
      'from cloudinit.sources.DataSourceNoCloud import load_cmdline_data',
      'fill = {}',
      'ok = load_cmdline_data(fill, sys.argv[1])',
      'print(json.dumps({"ok": ok, "fill": fill}))',
    ].join('\n');
    const out = JSON.parse(execFileSync(python, ['-c', program, cmdline]).toString());
    expect(out).toEqual({ ok: true, fill: { seedfrom: 'http://10.0.0.1:8080/nodes/cp-1/', dsmode: 'net' } });
  });

  it('a node with a network section carries it on the kernel command line, and cloud-init reads it there first', () => {
    const network = { ethernets: {}, bridges: {}, vlans: {}, bonds: { bond0: { interfaces: ['eno1', 'eno2'], parameters: { mode: '802.3ad' }, addresses: ['10.0.0.11/24'] } } };
    const withNetwork = node({ network: { ...network, ethernets: { eno1: { match: { macaddress: '52:54:00:12:34:56' } }, eno2: {} } } as NodeSpec['network'] });
    const cmdline = kernelWords(renderNodeIpxe(withNetwork, cluster())).slice(4, -3).join(' ');
    expect(cmdline).toMatch(/ network-config=[A-Za-z0-9+/=]+ /);
    const program = [
      'import json, sys',
      'from cloudinit.net.cmdline import read_kernel_cmdline_config',
      'from cloudinit.sources import DataSource, NetworkConfigSource',
      'print(json.dumps({"config": read_kernel_cmdline_config(cmdline=sys.argv[1]), "first": DataSource.network_config_sources[0] == NetworkConfigSource.CMD_LINE}))',
    ].join('\n');
    const out = JSON.parse(execFileSync(python, ['-c', program, cmdline]).toString());
    expect(out.first).toBe(true);
    expect(out.config).toEqual({
      version: 2,
      ethernets: { eno1: { match: { macaddress: '52:54:00:12:34:56' } }, eno2: {} },
      bonds: { bond0: { interfaces: ['eno1', 'eno2'], parameters: { mode: '802.3ad' }, addresses: ['10.0.0.11/24'] } },
    });
  });

  it('a node without a network section leaves networking to the image', () => {
    expect(renderNodeIpxe(node(), cluster())).not.toContain('network-config=');
  });
});
