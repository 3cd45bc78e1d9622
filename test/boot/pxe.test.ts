// Boot e2e over the network: QEMU's iPXE option ROM gets boot.ipxe from QEMU's built-in TFTP (user net
// tftp=/bootfile=), which chains to the rendered <mac-hyphen>.ipxe; that fetches the image's kernel and
// initrd over HTTP and boots with ds=nocloud;s=<seed base>/nodes/<name>/ so cloud-init fetches the seed
// from `kgen serve` (startSeedServer) on the host. The root file system is the image's disk (root=LABEL=
// kgen-root from cluster.pxe.kernelArgs). Same assertions as the disk boot, plus: the seed came over HTTP.
//
// The guest reaches the host's 127.0.0.1 as 10.0.2.2 (QEMU slirp); its requests therefore arrive from
// 127.0.0.1, not from the node's address, so the server runs with allowAnyClient (documented in
// docs/images.md: a real network needs no such switch).
import { createReadStream, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSeedServer } from '../../src/serve/server.js';
import { REPORT_END } from './hooks.js';
import { bootTestImage, imageBuildUnavailable, type CachedImage } from './image-cache.js';
import { NODE_ADDRESS, NODE_MAC, NODE_NAME, STATIC_NETWORK, kgenUnavailable, renderInventory, runDir } from './fixture.js';
import { freePort } from '../helpers.js';
import { Vm, createOverlay, qemuUnavailable } from './qemu.js';
import { parseReport } from './report.js';

const IPXE_ROM = '/usr/lib/ipxe/qemu/efi-virtio.rom';

function pxeUnavailable(): string | undefined {
  if (!existsSync(IPXE_ROM)) return `QEMU's iPXE ROMs are missing (${IPXE_ROM}; apt-get install ipxe-qemu)`;
  return undefined;
}

const skipReason = qemuUnavailable() ?? imageBuildUnavailable() ?? kgenUnavailable() ?? pxeUnavailable();

/** Serves the image's kernel and initrd (cluster.pxe.imageBaseURL) from the image cache directory. */
async function serveImage(image: CachedImage): Promise<{ url: string; server: Server; requests: string[] }> {
  const files: Record<string, string> = { '/vmlinuz': image.kernel, '/initrd.img': image.initrd };
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const file = files[req.url ?? ''];
    if (!file || req.method !== 'GET') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return { url: `http://10.0.2.2:${port}`, server, requests };
}

if (skipReason) {
  describe('network boot: iPXE from QEMU TFTP, seed over HTTP from kgen serve', () => {
    it.skip(`skipped: ${skipReason}`, () => undefined);
  });
} else {
  describe('network boot: iPXE from QEMU TFTP, seed over HTTP from kgen serve', () => {
    let image: CachedImage;
    let vm: Vm | undefined;
    const closers: Array<() => Promise<void>> = [];

    beforeAll(async () => {
      image = await bootTestImage();
    }, 40 * 60_000);

    afterAll(async () => {
      await vm?.kill();
      for (const close of closers.reverse()) await close();
    });

    it('boots kernel+initrd by iPXE with a static address from the inventory, fetches the seed from kgen serve, and kgen-boot reports the missing kubelet', async () => {
      const dir = await runDir('pxe');
      const images = await serveImage(image);
      closers.push(() => new Promise<void>((ok) => images.server.close(() => ok())));
      const seedPort = await freePort();
      const seedBase = `http://10.0.2.2:${seedPort}`;
      // A static address: cloud-init must take the node's network section from the kernel command line
      // (network-config=), since the HTTP seed arrives after networking is set.
      const out = await renderInventory(dir, seedBase, { imageBaseURL: images.url, staticNetwork: true });
      const seedLog: string[] = [];
      const seed = await startSeedServer({
        dir: out,
        host: '127.0.0.1',
        port: seedPort,
        allowAnyClient: true, // slirp: every guest request comes from 127.0.0.1
        log: (line) => seedLog.push(line),
      });
      closers.push(() => seed.close());

      const overlay = join(dir, 'disk.qcow2');
      createOverlay(image.disk, overlay);
      const started = performance.now();
      vm = new Vm({
        disk: overlay,
        boot: 'n',
        mac: NODE_MAC,
        tftp: { root: join(out, 'pxe'), bootfile: 'boot.ipxe' },
        serialLog: join(dir, 'serial.log'),
        probeKernel: image.kernel,
      });
      console.log(`[boot-test] PXE booting (${vm.accel}${vm.accelReason ? `: ${vm.accelReason}` : ''}); serial log: ${join(dir, 'serial.log')}`);
      await vm.waitFor(/Linux version \d/, 300_000, 'the kernel banner (iPXE loaded vmlinuz + initrd.img over HTTP)');
      await vm.waitFor(/\[preflight\]/, 900_000, 'a kgen-boot [preflight] line');
      await vm.waitFor(new RegExp(REPORT_END), 600_000, 'the test reporter');
      const seconds = Math.round((performance.now() - started) / 1000);
      console.log(`[boot-test] PXE boot to report: ${seconds}s (${vm.accel})`);
      await vm.waitExit(120_000);

      expect(images.requests).toEqual(expect.arrayContaining(['GET /vmlinuz', 'GET /initrd.img']));
      expect(seedLog.some((l) => l.includes(`/nodes/${NODE_NAME}/user-data`) && / 200\b/.test(l)), seedLog.join('\n')).toBe(true);
      const report = parseReport(vm.output);
      expect(report.cloudInit?.v1?.datasource ?? '').toMatch(/DataSourceNoCloud.*http:\/\/10\.0\.2\.2/);
      expect(report.nodeYamlPresent).toBe(true);
      expect(report.addresses).toEqual([`${STATIC_NETWORK.interface}=${STATIC_NETWORK.address}/${STATIC_NETWORK.prefix}`]);
      expect(report.addresses.join(' ')).not.toContain(NODE_ADDRESS);
      expect(report.status?.state).toBe('failed');
      const preflight = report.status?.phases?.find((p) => p.phase.startsWith('preflight'));
      expect(preflight?.outcome).toBe('failed');
      expect(preflight?.error ?? '').toMatch(/kubelet/i);
    }, 30 * 60_000);
  });
}
