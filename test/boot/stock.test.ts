// Boot e2e on a stock-like image (issue #14): the recipe with `stock: true` has what a distribution's
// cloud image has (cloud-init and its python3, systemd, no Node.js, no kgen-boot). The node is rendered
// with `boot.delivery: url`, so its user-data carries only a Python 3 fetcher and the sha256 of
// kgen-boot-linux-amd64 (docs/kgen-boot.md); the executable comes from `kgen serve` (startSeedServer,
// serving the rendered DIR/boot/) on the host. The disk boots with the seed ISO attached, as in
// seed.test.ts, and the test asserts the same end point: cloud-init starts kgen-boot.service, whose
// ExecStartPre downloads the executable (the server logs the GET) and checks its sha256, kgen-boot runs
// and its preflight fails on the missing kubelet, status.json says so. Plus: the image has no `node`
// (image.json and `command -v node` in the guest), and the program on the node has the pinned sha256.
//
// The guest reaches the host's 127.0.0.1 as 10.0.2.2 (QEMU user networking, as in pxe.test.ts), so the
// server listens on 127.0.0.1 only. DIR/boot/ is served to any client (docs/boot-media.md), so the
// node-address rule of kgen serve stays on.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSeedServer } from '../../src/serve/server.js';
import { REPORT_END } from './hooks.js';
import { bootTestImage, imageBuildUnavailable, type CachedImage } from './image-cache.js';
import { NODE_MAC, NODE_NAME, REPO, kgenUnavailable, renderInventory, runDir } from './fixture.js';
import { freePort } from '../helpers.js';
import { Vm, createOverlay, qemuUnavailable } from './qemu.js';
import { parseReport } from './report.js';

const EXECUTABLE = 'kgen-boot-linux-amd64';
const BUILT_EXECUTABLE = join(REPO, 'build', EXECUTABLE);

const skipReason = qemuUnavailable() ?? imageBuildUnavailable() ?? kgenUnavailable();

/** build/kgen-boot-linux-amd64, built with scripts/build-sea.mjs when missing (`npm run test:sea` builds it too). */
function ensureExecutable(): void {
  if (existsSync(BUILT_EXECUTABLE)) return;
  console.log(`[boot-test] ${BUILT_EXECUTABLE} is missing: node scripts/build-sea.mjs`);
  const res = spawnSync(process.execPath, [join(REPO, 'scripts/build-sea.mjs')], { cwd: REPO, encoding: 'utf8' });
  if (res.status !== 0 || !existsSync(BUILT_EXECUTABLE)) {
    throw new Error(`scripts/build-sea.mjs failed (exit ${res.status}); delivery url needs ${BUILT_EXECUTABLE}:\n${res.stdout}\n${res.stderr}`);
  }
}

if (skipReason) {
  describe('stock-like image (no Node, no kgen): kgen-boot by delivery url', () => {
    it.skip(`skipped: ${skipReason}`, () => undefined);
  });
} else {
  describe('stock-like image (no Node, no kgen): kgen-boot by delivery url', () => {
    let image: CachedImage;
    let vm: Vm | undefined;
    const closers: Array<() => Promise<void>> = [];

    beforeAll(async () => {
      ensureExecutable();
      image = await bootTestImage({ stock: true });
    }, 40 * 60_000);

    afterAll(async () => {
      await vm?.kill();
      for (const close of closers.reverse()) await close();
    });

    it('has no node and no kgen-boot in the image', async () => {
      const info = JSON.parse(await readFile(join(image.dir, 'image.json'), 'utf8')) as Record<string, unknown>;
      expect(image.stock).toBe(true);
      expect(info.stock).toBe(true);
      expect(info.node).toBeNull();
      expect(info.kgenBoot).toBeNull();
      expect(info.kubelet).toBeNull();
      const packages = info.packages as string[];
      expect(packages.some((p) => /^(nodejs|curl|wget) /.test(p)), packages.join('\n')).toBe(false);
      expect(packages.some((p) => /^cloud-init /.test(p))).toBe(true);
      expect(packages.some((p) => /^python3 /.test(p))).toBe(true);
    });

    it('downloads kgen-boot from kgen serve, checks its sha256, runs it, and preflight reports the missing kubelet', async () => {
      const dir = await runDir('stock');
      const port = await freePort();
      const base = `http://10.0.2.2:${port}`;
      const bootUrl = `${base}/boot`;
      const out = await renderInventory(dir, base, { bootUrl });
      const nodeDir = join(out, 'nodes', NODE_NAME);

      // What render published and pinned: DIR/boot/ holds the executable, user-data its URL and sha256.
      const sums = await readFile(join(out, 'boot', 'kgen-boot.sha256'), 'utf8');
      const pinned = new RegExp(`^([0-9a-f]{64})\\s+\\*?${EXECUTABLE}$`, 'm').exec(sums)?.[1];
      expect(pinned, sums).toBeDefined();
      const userData = await readFile(join(nodeDir, 'user-data'), 'utf8');
      expect(userData).toContain(`${bootUrl}/${EXECUTABLE} ${pinned} /usr/local/bin/kgen-boot`);
      expect(userData).not.toMatch(/^packages:/m);

      const started = performance.now();
      const since = () => `${Math.round((performance.now() - started) / 1000)}s`;
      const serverLog: string[] = [];
      const server = await startSeedServer({ dir: out, host: '127.0.0.1', port, log: (line) => serverLog.push(`${since()} ${line}`) });
      closers.push(() => server.close());

      const overlay = join(dir, 'disk.qcow2');
      createOverlay(image.disk, overlay);
      vm = new Vm({ disk: overlay, extraDisks: [join(nodeDir, 'seed.iso')], boot: 'c', mac: NODE_MAC, serialLog: join(dir, 'serial.log'), probeKernel: image.kernel });
      console.log(`[boot-test] booting the stock image ${overlay} (${vm.accel}${vm.accelReason ? `: ${vm.accelReason}` : ''}); serial log: ${join(dir, 'serial.log')}`);
      await vm.waitFor(/Linux version \d/, 300_000, 'the kernel banner');
      await vm.waitFor(/Cloud-init v\. [\d.]+.* running 'init-local'/, 900_000, "cloud-init's init-local stage");
      // The download (about 95 MB through QEMU user networking) and its sha256 come before kgen-boot's first line.
      await vm.waitFor(/\[preflight\]/, 1_500_000, 'a kgen-boot [preflight] line (after downloading the executable)');
      console.log(`[boot-test] stock boot to [preflight]: ${since()}`);
      await vm.waitFor(new RegExp(REPORT_END), 900_000, 'the test reporter');
      console.log(`[boot-test] stock boot to report: ${since()} (${vm.accel}); server: ${serverLog.join(' | ')}`);
      await vm.waitExit(120_000);

      // The executable was fetched from the server (and nothing secret: the seed came from the ISO).
      const gets = serverLog.filter((l) => l.includes(`GET /boot/${EXECUTABLE} 200`));
      expect(gets.length, serverLog.join('\n')).toBeGreaterThanOrEqual(1);
      expect(serverLog.some((l) => /\/nodes\//.test(l)), serverLog.join('\n')).toBe(false);

      const report = parseReport(vm.output);
      expect(report.cloudInit?.v1?.datasource ?? '').toMatch(/DataSourceNoCloud \[seed=\/dev\/vd[b-z]\]/);
      expect(report.nodeYamlPresent).toBe(true);
      // No node in the booted image; the program on the node is the pinned executable (the fetcher
      // renames it into place only when its sha256 matches).
      expect(vm.output).toMatch(/KGEN-TEST: node binary none/);
      expect(report.nodeBinary).toBeNull();
      expect(report.bootSha256).toBe(pinned);
      expect(vm.output).not.toMatch(/kgen: .* has sha256 .*refusing to run it/);

      expect(report.status, 'status.json on the console').toBeDefined();
      expect(report.status!.state).toBe('failed');
      const preflight = report.status!.phases?.find((p) => p.phase.startsWith('preflight'));
      expect(preflight, `a preflight phase in ${JSON.stringify(report.status)}`).toBeDefined();
      expect(preflight!.outcome).toBe('failed');
      expect(preflight!.error ?? '').toMatch(/kubelet/i);
      expect(report.bootLog).toContain('[preflight]');
      expect(report.bootLog).toMatch(/kubelet not found/);
    }, 45 * 60_000);
  });
}
