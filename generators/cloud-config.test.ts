import { describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { parse } from 'yaml';
import { createServer } from 'node:http';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toYaml } from '../src/yaml.js';
import type { NodeBootConfig } from '../src/contract/config.js';
import type { ClusterSpec } from '../src/inventory/types.js';
import { bootBundleFrom, type BootFile } from './boot-bundle.js';
import { renderUserData, userDataText } from './cloud-config.js';

const config = {
  apiVersion: 'kgen.dev/v1alpha1',
  kind: 'NodeBootConfig',
  node: { name: 'worker-1', role: 'worker', init: false, address: '10.0.0.21', generation: 1 },
  discovery: { apiServerEndpoint: 'cp.demo.internal:6443', token: 'abcdef.0123456789abcdef', caCertHashes: ['sha256:00'], timeoutSeconds: 1800 },
} as unknown as NodeBootConfig;

const boot = (delivery: ClusterSpec['boot']['delivery'], url?: string, installNodejs = false): ClusterSpec['boot'] => ({
  delivery,
  url,
  path: delivery === 'embed' ? '/usr/local/bin/kgen-boot.mjs' : '/usr/local/bin/kgen-boot',
  installNodejs,
  discoveryTimeoutSeconds: 1800,
});

const executableOf = (bytes: Buffer, name = 'kgen-boot-linux-arm64'): BootFile => ({ name, bytes, sha256: createHash('sha256').update(bytes).digest('hex') });

/** Runs python3 (as systemd runs the fetcher on the node) without blocking the event loop a test server runs on. */
function runAsync(cmd: string, args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args);
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (status) => resolve({ status, stderr }));
  });
}

describe('renderUserData', () => {
  // Random program bytes give base64 starting with anything the alphabet allows after gzip's header.
  const bundles = Array.from({ length: 20 }, () => bootBundleFrom(randomBytes(3000)));

  it.each(bundles.map((b, i) => [i, b] as const))('splicing the embedded program equals serializing it in place (#%i)', (_i, bundle) => {
    const text = userDataText(renderUserData(toYaml(config), boot('embed'), bundle));
    expect(text.startsWith('#cloud-config\n')).toBe(true);
    const doc = parse(text);
    expect(`#cloud-config\n${toYaml(doc)}`).toBe(text);
    const program = doc.write_files.find((f: { encoding?: string }) => f.encoding === 'gz+b64');
    expect(gunzipSync(Buffer.from(program.content, 'base64'))).toEqual(bundle.bytes);
  });

  it('delivery url fetches the executable for the node\'s arch from the base URL, pinned to its sha256, and embeds nothing', () => {
    const exe = executableOf(Buffer.from('elf'));
    const u = renderUserData(toYaml(config), boot('url', 'https://boot.example/k%41/'), bundles[0]!, undefined, exe);
    expect(u.embedded).toBe('');
    const doc = parse(userDataText(u));
    expect(doc.write_files.some((f: { encoding?: string }) => f.encoding === 'gz+b64')).toBe(false);
    expect(doc.packages).toBeUndefined();
    const unit = doc.write_files.find((f: { path: string }) => f.path.endsWith('kgen-boot.service')).content as string;
    expect(unit).toContain(`ExecStartPre=/usr/bin/python3 /usr/local/lib/kgen/fetch-boot.py https://boot.example/k%%41/kgen-boot-linux-arm64 ${exe.sha256} /usr/local/bin/kgen-boot\n`);
    expect(unit).toContain('ExecStart=/usr/local/bin/kgen-boot run --config /etc/kgen/node.yaml\n');
  });

  it('delivery embed installs the module under its .mjs name; installNodejs adds the distribution\'s nodejs', () => {
    const plain = parse(userDataText(renderUserData(toYaml(config), boot('embed'), bundles[0]!)));
    expect(plain.packages).toBeUndefined();
    expect(plain.write_files.find((f: { encoding?: string }) => f.encoding === 'gz+b64').path).toBe('/usr/local/bin/kgen-boot.mjs');
    const withNode = parse(userDataText(renderUserData(toYaml(config), boot('embed', undefined, true), bundles[0]!)));
    expect(withNode.packages).toEqual(['nodejs']);
  });

  it('cloud-init\'s own schema accepts the user-data of every delivery, with and without nodejs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kgen-schema-'));
    const cases = [
      renderUserData(toYaml(config), boot('embed'), bundles[0]!),
      renderUserData(toYaml(config), boot('embed', undefined, true), bundles[0]!),
      renderUserData(toYaml(config), boot('url', 'http://10.0.0.1:8080/boot'), bundles[0]!, undefined, executableOf(Buffer.from('elf'))),
      renderUserData(toYaml(config), boot('baked'), bundles[0]!),
    ];
    for (const [i, u] of cases.entries()) {
      const file = join(dir, `user-data-${i}`);
      writeFileSync(file, userDataText(u));
      expect(execFileSync('cloud-init', ['schema', '-c', file], { encoding: 'utf8' })).toContain('Valid cloud-config');
    }
    // The check can fail: a package list that is not a list.
    const bad = userDataText(cases[1]!).replace(/^packages:\n\s*- nodejs$/m, 'packages: 7');
    expect(bad).toContain('packages: 7\n');
    writeFileSync(join(dir, 'bad'), bad);
    expect(() => execFileSync('cloud-init', ['schema', '-c', join(dir, 'bad')], { stdio: 'pipe' })).toThrow();
  });

  it('delivery baked only writes the config and the unit', () => {
    const doc = parse(userDataText(renderUserData(toYaml(config), boot('baked'), bundles[0]!)));
    expect(doc.write_files.map((f: { path: string }) => f.path)).toEqual(['/etc/kgen/node.yaml', '/etc/systemd/system/kgen-boot.service']);
  });

  it('the rendered fetcher (python3) installs a program whose sha256 matches and refuses one that does not or is missing', async () => {
    const good = executableOf(Buffer.from('#!/bin/sh\necho hi\n'));
    let served: Buffer | undefined = good.bytes;
    const server = createServer((_req, res) => (served ? res.end(served) : res.writeHead(404).end()));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const doc = parse(userDataText(renderUserData(toYaml(config), boot('url', base), bundles[0]!, undefined, good)));
      const dir = mkdtempSync(join(tmpdir(), 'kgen-fetch-'));
      const fetcher = join(dir, 'fetch-boot.py');
      writeFileSync(fetcher, doc.write_files.find((f: { path: string }) => f.path === '/usr/local/lib/kgen/fetch-boot.py').content);
      const target = join(dir, 'bin', 'kgen-boot');
      const run = () => runAsync('python3', [fetcher, `${base}/${good.name}`, good.sha256, target]);
      const ok = await run();
      expect(ok.status, ok.stderr).toBe(0);
      expect(readFileSync(target)).toEqual(good.bytes);
      expect(statSync(target).mode & 0o777).toBe(0o755);

      served = Buffer.from('tampered');
      writeFileSync(target, 'old');
      const bad = await run();
      expect(bad.status).toBe(1);
      expect(bad.stderr).toContain('refusing to run it');
      expect(readFileSync(target, 'utf8')).toBe('old');
      expect(existsSync(`${target}.tmp`)).toBe(false);

      served = undefined;
      const missing = await run();
      expect(missing.status).toBe(1);
      expect(missing.stderr).toContain(`kgen: GET ${base}/${good.name}: HTTP Error 404`);
      expect(readFileSync(target, 'utf8')).toBe('old');
    } finally {
      server.close();
    }
  });
});

describe('the certificate renewal timer', () => {
  const renewal = { enabled: true, beforeSeconds: 30 * 86400 };
  const units = (doc: { write_files: Array<{ path: string; content: string }> }) =>
    Object.fromEntries(doc.write_files.filter((f) => f.path.includes('kgen-certs-renew')).map((f) => [f.path, f.content]));

  it('installs a daily timer and a oneshot service that systemd-analyze verify accepts, and enables the timer', () => {
    // The unit's ExecStart must name an executable for verify: the boot program's path, here a stand-in.
    const dir = mkdtempSync(join(tmpdir(), 'kgen-units-'));
    const program = join(dir, 'kgen-boot');
    writeFileSync(program, '#!/bin/sh\n', { mode: 0o755 });
    const doc = parse(userDataText(renderUserData(toYaml(config), { ...boot('baked'), path: program }, bootBundleFrom(Buffer.from('x')), renewal)));
    const files = units(doc);
    expect(Object.keys(files)).toEqual(['/etc/systemd/system/kgen-certs-renew.service', '/etc/systemd/system/kgen-certs-renew.timer']);
    expect(files['/etc/systemd/system/kgen-certs-renew.service']).toContain(`ExecStart=${program} certs renew all --if-expiring-within 720h --restart-static-pods --config /etc/kgen/node.yaml\n`);
    expect(files['/etc/systemd/system/kgen-certs-renew.timer']).toContain('OnCalendar=daily\n');
    expect(doc.runcmd).toContainEqual(['systemctl', 'enable', '--now', '--no-block', 'kgen-certs-renew.timer']);
    for (const [path, content] of Object.entries(files)) writeFileSync(join(dir, path.slice(path.lastIndexOf('/') + 1)), content);
    const verify = spawnSync('systemd-analyze', ['verify', '--man=no', join(dir, 'kgen-certs-renew.timer'), join(dir, 'kgen-certs-renew.service')], { encoding: 'utf8' });
    expect(verify.status, verify.stderr).toBe(0);
    expect(verify.stderr).toBe('');
  });

  it('a window that is not whole hours is written in seconds; without renewal nothing is installed', () => {
    const odd = parse(userDataText(renderUserData(toYaml(config), boot('baked'), bootBundleFrom(Buffer.from('x')), { enabled: true, beforeSeconds: 90_061 })));
    expect(units(odd)['/etc/systemd/system/kgen-certs-renew.service']).toContain('--if-expiring-within 90061s ');
    const none = parse(userDataText(renderUserData(toYaml(config), boot('baked'), bootBundleFrom(Buffer.from('x')))));
    expect(units(none)).toEqual({});
    expect(JSON.stringify(none.runcmd)).not.toContain('kgen-certs-renew');
  });
});
