// The iPXE chain in real iPXE: QEMU's network boot ROM (Debian ipxe-qemu) gets boot.ipxe as its DHCP
// boot file from QEMU's user-mode network, which reaches `kgen serve` on the host's 127.0.0.1 as
// 10.0.2.2. The "kernel" served is an iPXE script that prints a marker, so the test sees iPXE accept the
// node script's kernel and initrd commands and boot, without needing a Linux kernel.
// Needs qemu-system-x86 and ipxe-qemu (the suite is skipped, and says so, when QEMU is missing).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSeedServer, type SeedServer } from '../src/serve/server.js';
import type { ClusterSpec, NodeSpec } from '../src/inventory/types.js';
import { nodeIpxeFileName, renderBootIpxe, renderNodeIpxe } from './pxe.js';

const QEMU = 'qemu-system-x86_64';
const haveQemu = spawnSync(QEMU, ['--version']).status === 0;
const KNOWN_MAC = '52:54:00:12:34:56';
const UNKNOWN_MAC = '52:54:00:99:99:99';
/** Software emulation on a busy machine: generous bounds for one network boot. */
const GUARD_MS = 180_000;
const TEST_MS = 240_000;

const dir = mkdtempSync(join(tmpdir(), 'kgen-pxe-qemu-'));
let server: SeedServer;
const logs: string[] = [];

beforeAll(async () => {
  writeFileSync(join(dir, 'nodes.json'), JSON.stringify({ nodes: [{ name: 'cp-1', address: '127.0.0.1', mac: KNOWN_MAC }] }));
  server = await startSeedServer({ dir, host: '127.0.0.1', port: 0, log: (line) => logs.push(line) });
  const port = new URL(server.url).port;
  const guestBase = `http://10.0.2.2:${port}`;
  const cluster = { pxe: { imageBaseURL: `${guestBase}/pxe/images`, seedBaseURL: guestBase, kernelArgs: ['console=ttyS0'] } } as ClusterSpec;
  const node = { name: 'cp-1', address: '127.0.0.1', mac: KNOWN_MAC, kernelArgs: ['quiet'] } as unknown as NodeSpec;
  mkdirSync(join(dir, 'pxe/images'), { recursive: true });
  writeFileSync(join(dir, 'pxe/boot.ipxe'), renderBootIpxe({ unknownDelaySeconds: 1 }));
  writeFileSync(join(dir, 'pxe', nodeIpxeFileName(KNOWN_MAC)), renderNodeIpxe(node, cluster));
  writeFileSync(join(dir, 'pxe/images/vmlinuz'), '#!ipxe\necho KGEN-FAKE-KERNEL-BOOTED\n');
  writeFileSync(join(dir, 'pxe/images/initrd.img'), 'initrd\n');
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Network-boots a QEMU machine with `mac` until `until` appears on its console; returns the console text. */
function pxeBoot(mac: string, until: string): Promise<string> {
  const port = new URL(server.url).port;
  const sercon = join(dir, 'sercon-port.bin');
  writeFileSync(sercon, Buffer.from([0xf8, 0x03])); // SeaBIOS mirrors the BIOS console to COM1 (0x3f8)
  const qemu = spawn(QEMU, [
    '-accel', 'tcg', '-m', '128', '-nographic', '-no-reboot', '-boot', 'n',
    '-fw_cfg', `name=etc/sercon-port,file=${sercon}`,
    '-netdev', `user,id=n0,bootfile=http://10.0.2.2:${port}/pxe/boot.ipxe`,
    '-device', `virtio-net-pci,netdev=n0,mac=${mac}`,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let screen = '';
  // A guard, not an assertion: a machine that never shows the marker is stopped and the test fails.
  const guard = setTimeout(() => qemu.kill('SIGTERM'), GUARD_MS);
  return new Promise((ok, fail) => {
    const flat = () => screen.replace(/\x1b(\[[0-9;?]*[A-Za-z]|c)/g, '').replace(/\r/g, '');
    qemu.stdout.on('data', (chunk: Buffer) => {
      screen += chunk.toString('latin1');
      // The 80-column console wraps long lines; look for the marker with line breaks removed.
      if (flat().replace(/\n/g, '').includes(until)) qemu.kill('SIGTERM');
    });
    qemu.stderr.on('data', (chunk: Buffer) => (screen += chunk.toString('latin1')));
    qemu.on('error', fail);
    qemu.on('exit', () => clearTimeout(guard));
    qemu.on('exit', () => (flat().replace(/\n/g, '').includes(until) ? ok(flat()) : fail(new Error(`QEMU exited before "${until}":\n${flat()}`))));
  });
}

describe.skipIf(!haveQemu)('iPXE boots through boot.ipxe (real iPXE in QEMU; skipped without qemu-system-x86 + ipxe-qemu)', () => {
  it('a known MAC: boot.ipxe chains to its script, which fetches kernel and initrd and boots', async () => {
    logs.length = 0;
    const text = (await pxeBoot(KNOWN_MAC, 'KGEN-FAKE-KERNEL-BOOTED')).replace(/\n/g, '');
    expect(text).toContain(`kgen: machine ${KNOWN_MAC} fetching 52-54-00-12-34-56.ipxe`);
    expect(text).toContain('kgen: booting node cp-1');
    expect(logs).toEqual([
      '127.0.0.1 GET /pxe/boot.ipxe 200',
      '127.0.0.1 GET /pxe/52-54-00-12-34-56.ipxe 200',
      '127.0.0.1 GET /pxe/images/vmlinuz 200',
      '127.0.0.1 GET /pxe/images/initrd.img 200',
    ]);
  }, TEST_MS);

  it('an unknown MAC: the message names the MAC and iPXE exits to the next boot device', async () => {
    logs.length = 0;
    const text = (await pxeBoot(UNKNOWN_MAC, 'Booting from Hard Disk')).replace(/\n/g, '');
    expect(text).toContain(`kgen: no boot script for MAC ${UNKNOWN_MAC} (expected 52-54-00-99-99-99.ipxe next to boot.ipxe).`);
    expect(text).toContain('kgen: exiting to the next boot device.');
    expect(logs).toEqual(['127.0.0.1 GET /pxe/boot.ipxe 200', '127.0.0.1 GET /pxe/52-54-00-99-99-99.ipxe 404']);
  }, TEST_MS);
});
