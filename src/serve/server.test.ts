// `kgen serve` against a real render-shaped tree on 127.0.0.1 (ephemeral port), with requests sent from
// 127.0.0.1 and 127.0.0.2 (localAddress) to exercise the per-node address rule.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderNodeIpxe } from '../../generators/pxe.js';
import { seedTreeFiles } from '../../generators/seed-tree.js';
import type { ClusterSpec, NodeSpec } from '../inventory/types.js';
import { canonicalIp } from './route.js';
import { parseListen, serveCommand } from './command.js';
import { startSeedServer, type SeedServer } from './server.js';

const MAC = '52:54:00:12:34:56';
const UUID = '4c4c4544-0042-3510-8052-b4c04f564432';
const dir = mkdtempSync(join(tmpdir(), 'kgen-serve-'));
const outside = mkdtempSync(join(tmpdir(), 'kgen-serve-outside-'));

function put(path: string, data: string | Buffer): void {
  mkdirSync(dirname(join(dir, path)), { recursive: true });
  writeFileSync(join(dir, path), data);
}

const userData = '#cloud-config\n# secret: cp-1 keys\n';
beforeAll(() => {
  const cp1 = [
    { name: 'user-data', data: Buffer.from(userData) },
    { name: 'meta-data', data: Buffer.from('instance-id: cp-1\n') },
    { name: 'network-config', data: Buffer.from('version: 2\n') },
  ];
  for (const f of cp1) put(`nodes/cp-1/${f.name}`, f.data);
  put('nodes/cp-1/node.yaml', 'role: control-plane\n');
  put('nodes/w-1/user-data', '#cloud-config\n# w-1\n');
  put('nodes/w-1/meta-data', 'instance-id: w-1\n');
  put('nodes/ghost/user-data', '#cloud-config\n# left over from an old render\n');
  for (const f of seedTreeFiles([{ name: 'cp-1', mac: MAC, uuid: UUID, files: cp1 }])) put(f.path, f.data);
  put('nodes.json', JSON.stringify({ nodes: [{ name: 'cp-1', address: '127.0.0.1', mac: MAC, uuid: UUID }, { name: 'w-1', address: '127.0.0.2' }] }));
  put('pxe/boot.ipxe', '#!ipxe\n');
  put('secret.txt', 'not served\n');
  put('state/ca.key', 'not served\n');
  writeFileSync(join(outside, 'passwd'), 'outside\n');
  symlinkSync(join(outside, 'passwd'), join(dir, 'nodes/cp-1/escape'));
  symlinkSync(join(outside, 'passwd'), join(dir, 'pxe/escape.ipxe'));
  symlinkSync('../secret.txt', join(dir, 'pxe/secret.ipxe'));
  // Links that stay inside DIR but lead to another node's secrets or out of the node's own directory.
  symlinkSync('../cp-1/user-data', join(dir, 'nodes/w-1/network-config'));
  symlinkSync('../../nodes/cp-1/user-data', join(dir, 'pxe/cp-1.ipxe'));
  mkdirSync(join(dir, 'nodes/w-1/seed'));
  symlinkSync('../../cp-1', join(dir, 'nodes/w-1/linked'));
  symlinkSync('cp-1', join(dir, 'nodes/alias-1'));
  put('nodes/w-1/.user-data.abc.tmp', '#cloud-config\n# half-written\n');
  put('pxe/.kgen/pki/ca.key', 'state under pxe\n');
  put('pxe/images/vmlinuz', 'kernel\n');
  put('images/vmlinuz', 'kernel at the default imageBaseURL\n');
  put('images/debian-12/initrd.img', 'initrd\n');
  put('boot/kgen-boot-linux-amd64', 'executable\n');
  put('boot/kgen-boot.sha256', 'sums\n');
  put('boot/.kgen-boot-linux-amd64.x.tmp', 'half-written\n');
  put('boot/old/kgen-boot', 'a subdirectory\n');
  symlinkSync('../nodes/cp-1/user-data', join(dir, 'boot/kgen-boot-linux-arm64'));
  symlinkSync(join(outside, 'passwd'), join(dir, 'images/initrd.img'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

interface Reply {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

function fetchFrom(url: string, path: string, from: string, method = 'GET', headers: Record<string, string> = {}): Promise<Reply> {
  const { hostname, port } = new URL(url);
  return new Promise((ok, fail) => {
    const req = request({ host: hostname.replace(/^\[|\]$/g, ''), port, path, method, headers, localAddress: from }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode!, body: Buffer.concat(chunks).toString(), headers: res.headers }));
    });
    req.on('error', fail);
    req.end();
  });
}

describe('startSeedServer', () => {
  let server: SeedServer;
  const logs: { line: string; level: string }[] = [];
  beforeAll(async () => {
    server = await startSeedServer({ dir, host: '127.0.0.1', port: 0, log: (line, level) => logs.push({ line, level }) });
  });
  afterAll(() => server.close());

  it.each([
    { name: 'the PXE entry script, to anyone', path: '/pxe/boot.ipxe', from: '127.0.0.2', status: 200, body: '#!ipxe\n' },
    { name: 'meta-data, to anyone', path: '/nodes/cp-1/meta-data', from: '127.0.0.2', status: 200, body: 'instance-id: cp-1\n' },
    { name: "a node's user-data, to the node's address", path: '/nodes/cp-1/user-data', from: '127.0.0.1', status: 200, body: userData },
    { name: "a node's user-data, to another address", path: '/nodes/cp-1/user-data', from: '127.0.0.2', status: 403 },
    { name: 'network-config, to another address', path: '/nodes/cp-1/network-config', from: '127.0.0.2', status: 403 },
    { name: 'node.yaml, to another address', path: '/nodes/cp-1/node.yaml', from: '127.0.0.2', status: 403 },
    { name: "another node's user-data, to its address", path: '/nodes/w-1/user-data', from: '127.0.0.2', status: 200, body: '#cloud-config\n# w-1\n' },
    { name: 'by-mac user-data, to the node', path: '/nodes/by-mac/52-54-00-12-34-56/user-data', from: '127.0.0.1', status: 200, body: userData },
    { name: 'by-mac user-data, to another address', path: '/nodes/by-mac/52-54-00-12-34-56/user-data', from: '127.0.0.2', status: 403 },
    { name: 'by-uuid user-data, to the node', path: `/nodes/by-uuid/${UUID}/user-data`, from: '127.0.0.1', status: 200, body: userData },
    { name: 'by-uuid vendor-data, to another address', path: `/nodes/by-uuid/${UUID}/vendor-data`, from: '127.0.0.2', status: 403 },
    { name: 'by-mac meta-data, to anyone', path: '/nodes/by-mac/52-54-00-12-34-56/meta-data', from: '127.0.0.2', status: 200, body: 'instance-id: cp-1\n' },
    { name: 'user-data of a node nodes.json does not know', path: '/nodes/ghost/user-data', from: '127.0.0.1', status: 403 },
    { name: 'user-data that does not exist', path: '/nodes/by-mac/52-54-00-00-00-00/user-data', from: '127.0.0.1', status: 404 },
    { name: 'a missing script', path: '/pxe/52-54-00-00-00-00.ipxe', from: '127.0.0.1', status: 404 },
    { name: 'the root', path: '/', from: '127.0.0.1', status: 404 },
    { name: 'a directory listing of pxe/', path: '/pxe/', from: '127.0.0.1', status: 404 },
    { name: 'a directory without slash', path: '/nodes/cp-1', from: '127.0.0.1', status: 404 },
    { name: 'a directory listing of a node', path: '/nodes/cp-1/', from: '127.0.0.1', status: 404 },
    { name: 'nodes.json', path: '/nodes.json', from: '127.0.0.1', status: 404 },
    { name: 'a file beside the trees', path: '/secret.txt', from: '127.0.0.1', status: 404 },
    { name: 'the state directory', path: '/state/ca.key', from: '127.0.0.1', status: 404 },
    { name: 'a .. escape', path: '/pxe/../secret.txt', from: '127.0.0.1', status: 404 },
    { name: 'an encoded .. escape', path: '/pxe/%2e%2e/secret.txt', from: '127.0.0.1', status: 404 },
    { name: 'an encoded slash', path: '/pxe/..%2fsecret.txt', from: '127.0.0.1', status: 404 },
    { name: 'a bad percent escape', path: '/pxe/%zz', from: '127.0.0.1', status: 404 },
    { name: 'a symlink out of DIR under nodes/', path: '/nodes/cp-1/escape', from: '127.0.0.1', status: 404 },
    { name: 'a symlink out of DIR under pxe/', path: '/pxe/escape.ipxe', from: '127.0.0.1', status: 404 },
    { name: 'a symlink out of the served trees', path: '/pxe/secret.ipxe', from: '127.0.0.1', status: 404 },
    { name: "a symlink in w-1's directory to cp-1's user-data, to w-1", path: '/nodes/w-1/network-config', from: '127.0.0.2', status: 404 },
    { name: "a symlink in pxe/ to cp-1's user-data", path: '/pxe/cp-1.ipxe', from: '127.0.0.1', status: 404 },
    { name: "a linked directory to cp-1's seed, from w-1", path: '/nodes/w-1/linked/user-data', from: '127.0.0.2', status: 404 },
    { name: 'a symlinked node directory', path: '/nodes/alias-1/meta-data', from: '127.0.0.2', status: 404 },
    { name: 'a subdirectory of a node directory', path: '/nodes/w-1/seed/x', from: '127.0.0.2', status: 404 },
    { name: 'a dot file in a node directory, to the node', path: '/nodes/w-1/.user-data.abc.tmp', from: '127.0.0.2', status: 404 },
    { name: 'a state directory under pxe/', path: '/pxe/.kgen/pki/ca.key', from: '127.0.0.1', status: 404 },
    { name: 'an encoded dot directory under pxe/', path: '/pxe/%2ekgen/pki/ca.key', from: '127.0.0.1', status: 404 },
    { name: 'a boot image under pxe/images/', path: '/pxe/images/vmlinuz', from: '127.0.0.2', status: 200, body: 'kernel\n' },
    { name: 'a kernel under images/ (the default imageBaseURL), to anyone', path: '/images/vmlinuz', from: '127.0.0.2', status: 200, body: 'kernel at the default imageBaseURL\n' },
    { name: 'an initrd in a versioned directory under images/', path: '/images/debian-12/initrd.img', from: '127.0.0.2', status: 200, body: 'initrd\n' },
    { name: 'a symlink out of DIR under images/', path: '/images/initrd.img', from: '127.0.0.1', status: 404 },
    { name: 'the boot executable, to anyone', path: '/boot/kgen-boot-linux-amd64', from: '127.0.0.2', status: 200, body: 'executable\n' },
    { name: 'the boot sha256 file, to anyone', path: '/boot/kgen-boot.sha256', from: '127.0.0.2', status: 200, body: 'sums\n' },
    { name: "a symlink under boot/ to cp-1's user-data", path: '/boot/kgen-boot-linux-arm64', from: '127.0.0.1', status: 404 },
    { name: 'a dot file under boot/', path: '/boot/.kgen-boot-linux-amd64.x.tmp', from: '127.0.0.1', status: 404 },
    { name: 'a subdirectory of boot/', path: '/boot/old/kgen-boot', from: '127.0.0.1', status: 404 },
    { name: 'a listing of boot/', path: '/boot/', from: '127.0.0.1', status: 404 },
    { name: 'a double-encoded .. escape', path: '/pxe/%252e%252e/secret.txt', from: '127.0.0.1', status: 404 },
    { name: 'an upper-case encoded .. escape', path: '/nodes/%2E%2E/secret.txt', from: '127.0.0.1', status: 404 },
    { name: 'an encoded backslash', path: '/pxe/..%5csecret.txt', from: '127.0.0.1', status: 404 },
    { name: 'an encoded NUL', path: '/nodes/cp-1/meta-data%00', from: '127.0.0.1', status: 404 },
    { name: 'an overlong UTF-8 dot', path: '/pxe/%c0%ae%c0%ae/secret.txt', from: '127.0.0.1', status: 404 },
    { name: 'a doubled slash', path: '/nodes//cp-1/meta-data', from: '127.0.0.1', status: 404 },
    { name: 'a trailing dot segment', path: '/nodes/cp-1/./user-data', from: '127.0.0.1', status: 404 },
    { name: 'an absolute-form URL', path: 'http://127.0.0.1/nodes/cp-1/meta-data', from: '127.0.0.1', status: 404 },
  ])('$name: $status', async ({ path, from, status, body }) => {
    const reply = await fetchFrom(server.url, path, from);
    expect(reply.status).toBe(status);
    if (body !== undefined) expect(reply.body).toBe(body);
    if (status !== 200) expect(reply.body).not.toContain('secret');
  });

  it.each([
    { header: 'x-forwarded-for', value: '127.0.0.1' },
    { header: 'x-real-ip', value: '127.0.0.1' },
    { header: 'forwarded', value: 'for=127.0.0.1' },
    { header: 'client-ip', value: '127.0.0.1' },
    { header: 'host', value: '127.0.0.1' },
  ])('a spoofed $header header does not make 127.0.0.2 node cp-1', async ({ header, value }) => {
    const reply = await fetchFrom(server.url, '/nodes/cp-1/user-data', '127.0.0.2', 'GET', { [header]: value });
    expect(reply.status).toBe(403);
    expect(reply.body).not.toContain('secret');
  });

  it('answers HEAD with the length and no body, and refuses other methods', async () => {
    const head = await fetchFrom(server.url, '/nodes/cp-1/user-data', '127.0.0.1', 'HEAD');
    expect(head).toMatchObject({ status: 200, body: '' });
    expect(head.headers['content-length']).toBe(String(Buffer.byteLength(userData)));
    const post = await fetchFrom(server.url, '/nodes/cp-1/user-data', '127.0.0.1', 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });

  it('tells caches not to keep seed files', async () => {
    expect((await fetchFrom(server.url, '/nodes/cp-1/user-data', '127.0.0.1')).headers['cache-control']).toBe('no-store');
    expect((await fetchFrom(server.url, '/pxe/boot.ipxe', '127.0.0.1')).headers['cache-control']).toBe('no-cache');
  });

  it('logs each fetch as one line with client, path, status, node and file; refusals as errors', async () => {
    logs.length = 0;
    await fetchFrom(server.url, '/nodes/cp-1/user-data', '127.0.0.2');
    await fetchFrom(server.url, '/nodes/cp-1/user-data', '127.0.0.1');
    expect(logs).toEqual([
      { line: '127.0.0.2 GET /nodes/cp-1/user-data 403 (node cp-1 file user-data: only 127.0.0.1 may fetch it)', level: 'error' },
      { line: '127.0.0.1 GET /nodes/cp-1/user-data 200 (node cp-1 file user-data)', level: 'info' },
    ]);
    expect(logs.some((l) => l.line.includes('secret: cp-1'))).toBe(false);
  });

  it('follows a re-render: nodes.json is read per request', async () => {
    put('nodes.json', JSON.stringify({ nodes: [{ name: 'cp-1', address: '127.0.0.2', mac: MAC, uuid: UUID }, { name: 'w-1', address: '127.0.0.2' }] }));
    try {
      expect((await fetchFrom(server.url, '/nodes/cp-1/user-data', '127.0.0.2')).status).toBe(200);
      expect((await fetchFrom(server.url, '/nodes/cp-1/user-data', '127.0.0.1')).status).toBe(403);
    } finally {
      put('nodes.json', JSON.stringify({ nodes: [{ name: 'cp-1', address: '127.0.0.1', mac: MAC, uuid: UUID }, { name: 'w-1', address: '127.0.0.2' }] }));
    }
  });
});

describe('startSeedServer options', () => {
  it('--allow-any-client serves user-data to any address', async () => {
    const server = await startSeedServer({ dir, host: '127.0.0.1', port: 0, allowAnyClient: true, log: () => undefined });
    try {
      expect((await fetchFrom(server.url, '/nodes/cp-1/user-data', '127.0.0.2')).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('matches IPv4-mapped IPv6 clients against IPv4 node addresses', async () => {
    const server = await startSeedServer({ dir, host: '::ffff:127.0.0.1', port: 0, log: () => undefined });
    try {
      const port = /^http:\/\/\[::ffff:127\.0\.0\.1\]:(\d+)$/.exec(server.url)?.[1];
      expect(port).toBeDefined();
      // The server sees these IPv4 clients as ::ffff:127.0.0.x.
      expect((await fetchFrom(`http://127.0.0.1:${port}`, '/nodes/cp-1/user-data', '127.0.0.1')).status).toBe(200);
      expect((await fetchFrom(`http://127.0.0.1:${port}`, '/nodes/cp-1/user-data', '127.0.0.2')).status).toBe(403);
    } finally {
      await server.close();
    }
  });

  it('listens on IPv6 ([::1]) and applies the address rule to IPv6 clients', async () => {
    const server = await startSeedServer({ dir, host: '::1', port: 0, log: () => undefined });
    try {
      expect(server.url).toMatch(/^http:\/\/\[::1\]:\d+$/);
      expect((await fetchFrom(server.url, '/nodes/cp-1/meta-data', '::1')).status).toBe(200);
      expect((await fetchFrom(server.url, '/nodes/cp-1/user-data', '::1')).status).toBe(403);
    } finally {
      await server.close();
    }
  });

  it('refuses to start without nodes.json', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'kgen-serve-empty-'));
    try {
      await expect(startSeedServer({ dir: empty, host: '127.0.0.1', port: 0, log: () => undefined })).rejects.toThrow(/nodes\.json cannot be read as JSON .*run kgen render/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('kgen serve command', () => {
  it('serves until the signal aborts, logging through io, and warns for --allow-any-client', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const controller = new AbortController();
    const io = { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t), cwd: dirname(dir), signal: controller.signal };
    const running = serveCommand.run(['--out', dir.split('/').pop()!, '--listen', '127.0.0.1:0', '--allow-any-client'], io);
    let exited = false;
    void running.finally(() => (exited = true));
    let url: string | undefined;
    while (!url) {
      expect(exited, `serve exited early: ${err.join('')}`).toBe(false);
      await new Promise((r) => setImmediate(r));
      url = /at (http:\/\/127\.0\.0\.1:\d+)/.exec(out.join(''))?.[1];
    }
    expect((await fetchFrom(url, '/pxe/boot.ipxe', '127.0.0.2')).status).toBe(200);
    controller.abort();
    expect(await running).toBe(0);
    expect(err.join('')).toMatch(/warning: --allow-any-client/);
    expect(out.join('')).toMatch(/kgen serve: 127\.0\.0\.2 GET \/pxe\/boot\.ipxe 200\n/);
    expect(out.join('')).toMatch(/kgen serve: stopped\n$/);
  });
});

describe('parseListen and canonicalIp', () => {
  it.each([
    ['127.0.0.1:8080', { host: '127.0.0.1', port: 8080 }],
    ['[::1]:8080', { host: '::1', port: 8080 }],
    ['0.0.0.0:80', { host: '0.0.0.0', port: 80 }],
  ])('parses %s', (value, expected) => {
    expect(parseListen(value)).toEqual(expected);
  });

  it.each(['8080', 'localhost:8080', '::1:8080', '127.0.0.1:99999', '[127.0.0.1]:80', '999.0.0.1:80'])('refuses %s', (value) => {
    expect(() => parseListen(value)).toThrow(/is not an address to listen on/);
  });

  it.each([
    ['10.0.0.11', '10.0.0.11'],
    ['::ffff:10.0.0.11', '10.0.0.11'],
    ['::FFFF:10.0.0.11', '10.0.0.11'],
    ['fd00:0:0::11', 'fd00::11'],
    ['FD00::11', 'fd00::11'],
  ])('canonicalIp(%s) is %s', (input, expected) => {
    expect(canonicalIp(input)).toBe(expected);
  });
});

describe('the real cloud-init fetches its seed through kgen serve', () => {
  // Debian's cloud-init (22.4 here) under its own interpreter: the datasource classes run as in the
  // init-local and init-network stages, with the kernel command line our iPXE script passes.
  const python = readFileSync('/usr/bin/cloud-init', 'utf8').split('\n')[0]!.replace(/^#!/, '').trim();
  const probe = [
    'import json, sys, tempfile',
    'from cloudinit import helpers, util',
    'from cloudinit.sources import DataSourceNoCloud as nocloud',
    'util.get_cmdline = lambda: sys.argv[2]',
    'nocloud.dmi.read_dmi_data = lambda key: None',
    'tmp = tempfile.mkdtemp()',
    'paths = helpers.Paths({"cloud_dir": tmp, "run_dir": tmp, "seed_dir": tmp + "/seed"})',
    'cls = nocloud.DataSourceNoCloudNet if sys.argv[1] == "net" else nocloud.DataSourceNoCloud',
    'ds = cls(sys_cfg={}, distro=None, paths=paths)',
    'ok = ds.get_data()',
    'print(json.dumps({"ok": ok, "dsmode": ds.dsmode, "user_data": (ds.userdata_raw or b"").decode() if ok else None}))',
  ].join('\n');
  const runProbe = (stage: 'local' | 'net', cmdline: string) =>
    new Promise<{ ok: boolean; dsmode: string; user_data: string | null }>((ok, fail) =>
      execFile(python, ['-c', probe, stage, cmdline], (err, stdout, stderr) => (err ? fail(new Error(stderr, { cause: err })) : ok(JSON.parse(stdout)))),
    );

  let server: SeedServer;
  const logs: string[] = [];
  beforeAll(async () => {
    server = await startSeedServer({ dir, host: '127.0.0.1', port: 0, log: (line) => logs.push(line) });
  });
  afterAll(() => server.close());

  function cmdline(): string {
    const cluster = { pxe: { imageBaseURL: 'http://127.0.0.1/images', seedBaseURL: server.url, kernelArgs: ['console=ttyS0'] } } as ClusterSpec;
    const node = { name: 'cp-1', address: '127.0.0.1', mac: MAC, kernelArgs: [] } as unknown as NodeSpec;
    const kernel = renderNodeIpxe(node, cluster).split('\n').find((l) => l.startsWith('kernel '))!;
    return kernel.split(' ').slice(4, -3).join(' ');
  }

  it('init-network: NoCloudNet reads user-data and meta-data from the node directory, in net mode', async () => {
    logs.length = 0;
    const result = await runProbe('net', cmdline());
    expect(result).toEqual({ ok: true, dsmode: 'net', user_data: userData });
    expect(logs).toEqual([
      '127.0.0.1 GET /nodes/cp-1/meta-data 200 (node cp-1 file meta-data)',
      '127.0.0.1 GET /nodes/cp-1/user-data 200 (node cp-1 file user-data)',
      '127.0.0.1 GET /nodes/cp-1/vendor-data 200 (node cp-1 file vendor-data)',
    ]);
  });

  it('init-local: the local NoCloud datasource leaves an http seed to the network stage', async () => {
    expect((await runProbe('local', cmdline())).ok).toBe(false);
  });
});

describe('kgen serve input errors', () => {
  it('exits 1 with a hint when --out holds no rendered tree', async () => {
    const { main } = await import('../cli/main.js');
    const err: string[] = [];
    const code = await main(['serve', '--out', 'no-such-dir'], { stdout: () => undefined, stderr: (t) => err.push(t), cwd: tmpdir() });
    expect(code).toBe(1);
    expect(err.join('')).toContain('holds no rendered tree (no nodes.json); run `kgen render --nodes nodes.yaml --out no-such-dir` first');
  });
});
