// Boot e2e: the node image boots from its disk in QEMU with the node's NoCloud seed ISO attached, as a
// machine in a rack boots from its disk with a virtual CD. Asserts the whole first-boot chain: kernel and
// systemd on the serial console, cloud-init finds the NoCloud seed, writes /etc/kgen/node.yaml, starts
// kgen-boot, kgen-boot reports its phases, and (the image has no kubelet) preflight fails saying so,
// in the console output, /var/log/kgen-boot.log and /var/lib/kgen/status.json. (delivery embed: the image
// has Node 20; stock.test.ts reaches the same point on an image without Node, with delivery url.)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORT_END } from './hooks.js';
import { bootTestImage, imageBuildUnavailable, type CachedImage } from './image-cache.js';
import { NODE_MAC, NODE_NAME, kgenUnavailable, renderInventory, runDir } from './fixture.js';
import { Vm, createOverlay, qemuUnavailable } from './qemu.js';
import { parseReport } from './report.js';

const skipReason = qemuUnavailable() ?? imageBuildUnavailable() ?? kgenUnavailable();

/** The rendered seed.iso, or one made with genisoimage from the rendered files when render has none. */
function seedIso(nodeDir: string, scratch: string): string {
  const rendered = join(nodeDir, 'seed.iso');
  if (existsSync(rendered)) return rendered;
  const iso = join(scratch, 'seed.iso');
  const files = ['user-data', 'meta-data', 'network-config'].map((f) => join(nodeDir, f)).filter((f) => existsSync(f));
  const res = spawnSync('genisoimage', ['-quiet', '-output', iso, '-volid', 'cidata', '-joliet', '-rock', ...files], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`genisoimage failed: ${res.stderr}`);
  return iso;
}

if (skipReason) {
  describe('boot from disk with a NoCloud seed ISO', () => {
    it.skip(`skipped: ${skipReason}`, () => undefined);
  });
} else {
  describe('boot from disk with a NoCloud seed ISO', () => {
    let image: CachedImage;
    let vm: Vm | undefined;

    beforeAll(async () => {
      image = await bootTestImage();
    }, 40 * 60_000);

    afterAll(async () => {
      await vm?.kill();
    });

    it('cloud-init finds the seed, writes node.yaml, starts kgen-boot, and preflight reports the missing kubelet', async () => {
      const dir = await runDir('seed');
      const out = await renderInventory(dir, 'http://10.0.2.2:8080');
      const nodeDir = join(out, 'nodes', NODE_NAME);
      const iso = seedIso(nodeDir, dir);
      const overlay = join(dir, 'disk.qcow2');
      createOverlay(image.disk, overlay);

      const started = performance.now();
      vm = new Vm({ disk: overlay, extraDisks: [iso], boot: 'c', mac: NODE_MAC, serialLog: join(dir, 'serial.log'), probeKernel: image.kernel });
      console.log(`[boot-test] booting ${overlay} (${vm.accel}${vm.accelReason ? `: ${vm.accelReason}` : ''}); serial log: ${join(dir, 'serial.log')}`);
      await vm.waitFor(/Linux version \d/, 120_000, 'the kernel banner');
      await vm.waitFor(/Cloud-init v\. [\d.]+.* running 'init-local'/, 600_000, "cloud-init's init-local stage");
      await vm.waitFor(/\[preflight\]/, 600_000, 'a kgen-boot [preflight] line');
      await vm.waitFor(new RegExp(REPORT_END), 600_000, 'the test reporter');
      const seconds = Math.round((performance.now() - started) / 1000);
      console.log(`[boot-test] disk boot to report: ${seconds}s (${vm.accel})`);
      await vm.waitExit(120_000);

      const report = parseReport(vm.output);
      // The seed came from the attached cidata volume (the second virtio disk), not from the network.
      expect(report.cloudInit?.v1?.datasource ?? '').toMatch(/DataSourceNoCloud \[seed=\/dev\/vd[b-z]\]/);
      expect(report.nodeYamlPresent).toBe(true);
      expect(report.status, 'status.json on the console').toBeDefined();
      expect(report.status!.state).toBe('failed');
      const preflight = report.status!.phases?.find((p) => p.phase === 'preflight' || p.phase.startsWith('preflight'));
      expect(preflight, `a preflight phase in ${JSON.stringify(report.status)}`).toBeDefined();
      expect(preflight!.outcome).toBe('failed');
      expect(preflight!.error ?? '').toMatch(/kubelet/i);
      expect(report.bootLog).toContain('[preflight]');
      expect(report.bootLog).toMatch(/kubelet not found/);
    }, 30 * 60_000);
  });
}
