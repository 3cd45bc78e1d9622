import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDryRunHost, createHost, fileMode, resolveUnder, systemdServices } from './host.js';

const KEY = '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n';
const newRoot = () => mkdtempSync(join(tmpdir(), 'kgen-host-'));

describe('resolveUnder', () => {
  it.each([
    ['an absolute node path lands under the root', '/srv/n1', '/etc/kubernetes/pki/ca.crt', '/srv/n1/etc/kubernetes/pki/ca.crt'],
    ['the root itself', '/srv/n1', '/', '/srv/n1'],
    ['duplicate slashes collapse', '/srv/n1', '/etc//kgen/node.yaml', '/srv/n1/etc/kgen/node.yaml'],
  ])('%s', (_n, root, path, expected) => {
    expect(resolveUnder(root, path)).toBe(expected);
  });

  it.each([
    ['a relative path', 'etc/passwd', 'is relative'],
    ['a path with ..', '/etc/../../outside', 'escapes the root'],
  ])('rejects %s', (_n, path, message) => {
    expect(() => resolveUnder('/srv/n1', path)).toThrow(message);
  });
});

describe('systemdServices.isActive', () => {
  // What `systemctl is-active <unit>` prints and exits with for each unit state (systemctl(1)).
  it.each([
    ['active', 0, true],
    ['activating', 3, true],
    ['deactivating', 3, false],
    ['inactive', 3, false],
    ['failed', 3, false],
    ['inactive', 4, false], // no such unit
  ])('"%s" (exit %i) is %s, as kubeadm\'s ServiceIsActive', async (state, code, expected) => {
    const calls: string[][] = [];
    const services = systemdServices(async (cmd, args) => {
      calls.push([cmd, ...args]);
      return { code, stdout: `${state}\n`, stderr: '' };
    });
    expect(await services.isActive('systemd-resolved')).toBe(expected);
    expect(calls).toEqual([['systemctl', 'is-active', 'systemd-resolved']]);
  });
});

describe('fileMode', () => {
  it.each([
    ['a certificate keeps the default 0644', '-----BEGIN CERTIFICATE-----', undefined, 0o644],
    ['a requested mode is honoured', 'plain', 0o600, 0o600],
    ['a PKCS#8 private key is forced to 0600', KEY, 0o644, 0o600],
    ['an EC private key is forced to 0600', '-----BEGIN EC PRIVATE KEY-----', undefined, 0o600],
    ['a kubeconfig embedding a key is forced to 0600 too', Buffer.from(`client-key: |\n  ${KEY}`), undefined, 0o600],
  ])('%s', (_n, data, requested, expected) => {
    expect(fileMode(data, requested)).toBe(expected);
  });
});

describe('createHost', () => {
  it('writes atomically under the root with the right modes and leaves no temp files', async () => {
    const root = newRoot();
    const host = createHost({ root });
    await host.writeFile('/etc/kubernetes/pki/ca.key', KEY);
    await host.writeFile('/etc/kubernetes/pki/ca.crt', 'cert');
    await host.writeFile('/etc/kubernetes/pki/ca.crt', 'cert v2');
    const dir = join(root, 'etc/kubernetes/pki');
    expect(readdirSync(dir).sort()).toEqual(['ca.crt', 'ca.key']);
    expect(statSync(join(dir, 'ca.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'ca.crt')).mode & 0o777).toBe(0o644);
    expect(await host.readText('/etc/kubernetes/pki/ca.crt')).toBe('cert v2');
  });

  it('reads, checks existence, removes and links through the root', async () => {
    const root = newRoot();
    const host = createHost({ root });
    expect(await host.readTextIfExists('/nope')).toBeUndefined();
    expect(await host.exists('/etc/kgen')).toBe(false);
    await host.writeFile('/etc/kgen/node.yaml', 'x: 1\n');
    expect(await host.exists('/etc/kgen/node.yaml')).toBe(true);
    await host.symlink('/var/lib/kubelet/pki/kubelet-client-current.pem', '/etc/link');
    await host.symlink('/var/lib/kubelet/pki/kubelet-client-current.pem', '/etc/link');
    expect(await host.exists('/etc/link')).toBe(true);
    await host.remove('/etc/kgen');
    expect(existsSync(join(root, 'etc/kgen'))).toBe(false);
  });

  it('reads sysctls from <root>/proc/sys', async () => {
    const root = newRoot();
    mkdirSync(join(root, 'proc/sys/net/ipv4'), { recursive: true });
    writeFileSync(join(root, 'proc/sys/net/ipv4/ip_forward'), '1\n');
    const host = createHost({ root });
    expect(await host.sysctl('net.ipv4.ip_forward')).toBe('1');
    expect(await host.sysctl('net.ipv4.nope')).toBeUndefined();
  });

  it('finds programs on the PATH it was given, and runs them returning the exit code', async () => {
    const root = newRoot();
    const bin = join(root, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'kubelet'), '#!/bin/sh\necho "kubelet $1"; exit 3\n', { mode: 0o755 });
    const host = createHost({ root, env: { PATH: `/nonexistent:${bin}` } });
    expect(await host.which('kubelet')).toBe(join(bin, 'kubelet'));
    expect(await host.which('definitely-not-here')).toBeUndefined();
    expect(await host.exec(join(bin, 'kubelet'), ['--version'])).toEqual({ code: 3, stdout: 'kubelet --version\n', stderr: '' });
  });

  describe('isPortFree', () => {
    let server: Server | undefined;
    afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

    it('reports a port in use as not free and an unused one as free', async () => {
      server = createServer();
      await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
      const port = (server.address() as { port: number }).port;
      const host = createHost({ root: newRoot(), bindAddress: '127.0.0.1' });
      expect(await host.isPortFree(port)).toBe(false);
      await new Promise<void>((r) => server!.close(() => r()));
      server = undefined;
      expect(await host.isPortFree(port)).toBe(true);
    });
  });

  it.each([
    [0, true],
    [1000, false],
  ])('isRoot for uid %i is %s', (uid, expected) => {
    expect(createHost({ root: newRoot(), uid }).isRoot()).toBe(expected);
  });
});

describe('createDryRunHost', () => {
  it('records and prints changes instead of making them, and serves its own writes back', async () => {
    const root = newRoot();
    mkdirSync(join(root, 'etc/kubernetes'), { recursive: true });
    writeFileSync(join(root, 'etc/kubernetes/existing.conf'), 'old');
    const printed: string[] = [];
    const restarted: string[] = [];
    const base = createHost({
      root,
      services: { restart: async (n) => void restarted.push(n), stop: async () => undefined, isActive: async () => false },
    });
    const host = createDryRunHost(base, (l) => printed.push(l));

    await host.writeFile('/etc/kubernetes/pki/ca.key', KEY);
    await host.remove('/etc/kubernetes/existing.conf');
    await host.mkdir('/etc/kubernetes/manifests');
    const r = await host.exec('/bin/false', []);
    await host.services.restart('kubelet');

    expect(existsSync(join(root, 'etc/kubernetes/pki'))).toBe(false);
    expect(existsSync(join(root, 'etc/kubernetes/manifests'))).toBe(false);
    expect(readFileSync(join(root, 'etc/kubernetes/existing.conf'), 'utf8')).toBe('old');
    expect(r.code).toBe(0);
    expect(restarted).toEqual([]);

    expect(await host.readText('/etc/kubernetes/pki/ca.key')).toBe(KEY);
    expect(await host.exists('/etc/kubernetes/existing.conf')).toBe(false);
    expect(await host.readTextIfExists('/etc/kubernetes/existing.conf')).toBeUndefined();

    expect(host.recorded).toEqual([
      { kind: 'write', path: '/etc/kubernetes/pki/ca.key', mode: 0o600, bytes: KEY.length },
      { kind: 'remove', path: '/etc/kubernetes/existing.conf' },
      { kind: 'mkdir', path: '/etc/kubernetes/manifests' },
      { kind: 'exec', cmd: '/bin/false', args: [] },
      { kind: 'service', action: 'restart', name: 'kubelet' },
    ]);
    expect(printed.slice(0, 2)).toEqual(['[dryrun] Would write file "/etc/kubernetes/pki/ca.key" with content:', '-----BEGIN PRIVATE KEY-----\n<redacted>\n-----END PRIVATE KEY-----']);
    expect(printed.join('\n')).not.toContain('MIIB');
  });
});
