import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { parse } from 'yaml';
import { createServer } from 'node:http';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toYaml } from '../src/yaml.js';
import type { NodeBootConfig } from '../src/contract/config.js';
import type { ClusterSpec } from '../src/inventory/types.js';
import { bootBundleFrom } from './boot-bundle.js';
import { renderUserData, userDataText } from './cloud-config.js';

const config = {
  apiVersion: 'kgen.dev/v1alpha1',
  kind: 'NodeBootConfig',
  node: { name: 'worker-1', role: 'worker', init: false, address: '10.0.0.21', generation: 1 },
  discovery: { apiServerEndpoint: 'cp.demo.internal:6443', token: 'abcdef.0123456789abcdef', caCertHashes: ['sha256:00'], timeoutSeconds: 1800 },
} as unknown as NodeBootConfig;

const boot = (delivery: ClusterSpec['boot']['delivery'], url?: string): ClusterSpec['boot'] => ({
  delivery,
  url,
  path: delivery === 'embed' ? '/usr/local/bin/kgen-boot.mjs' : '/usr/local/bin/kgen-boot',
  installNodejs: false,
  discoveryTimeoutSeconds: 1800,
});

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

  it('delivery url writes a fetcher pinned to the sha256 and no embedded program', () => {
    const bundle = bundles[0]!;
    const u = renderUserData(toYaml(config), boot('url', 'https://boot.example/kgen-boot?x=%41'), bundle);
    expect(u.embedded).toBe('');
    const doc = parse(userDataText(u));
    expect(doc.write_files.some((f: { encoding?: string }) => f.encoding === 'gz+b64')).toBe(false);
    const unit = doc.write_files.find((f: { path: string }) => f.path.endsWith('kgen-boot.service')).content as string;
    expect(unit).toContain(`ExecStartPre=/usr/bin/env node /usr/local/lib/kgen/fetch-boot.mjs https://boot.example/kgen-boot?x=%%41 ${bundle.sha256} /usr/local/bin/kgen-boot`);
  });

  it('delivery baked only writes the config and the unit', () => {
    const doc = parse(userDataText(renderUserData(toYaml(config), boot('baked'), bundles[0]!)));
    expect(doc.write_files.map((f: { path: string }) => f.path)).toEqual(['/etc/kgen/node.yaml', '/etc/systemd/system/kgen-boot.service']);
  });

  it('the rendered fetcher installs a program whose sha256 matches and refuses one that does not', async () => {
    const good = bootBundleFrom(Buffer.from('#!/usr/bin/env node\nconsole.log("hi")\n'));
    let served = good.bytes;
    const server = createServer((_req, res) => res.end(served));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/kgen-boot`;
    try {
      const doc = parse(userDataText(renderUserData(toYaml(config), boot('url', url), good)));
      const dir = mkdtempSync(join(tmpdir(), 'kgen-fetch-'));
      const fetcher = join(dir, 'fetch-boot.mjs');
      writeFileSync(fetcher, doc.write_files.find((f: { path: string }) => f.path.endsWith('fetch-boot.mjs')).content);
      const target = join(dir, 'kgen-boot');
      const run = () => new Promise<{ status: number | null; stderr: string }>((resolve) => {
        // Async spawn: the server above runs on this event loop.
        const p = spawn(process.execPath, [fetcher, url, good.sha256, target]);
        let stderr = '';
        p.stderr.on('data', (d) => (stderr += d));
        p.on('close', (status) => resolve({ status, stderr }));
      });
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
    expect(files['/etc/systemd/system/kgen-certs-renew.service']).toContain(`ExecStart=${program} certs renew all --if-expiring-within 720h --config /etc/kgen/node.yaml\n`);
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
