// `kgen-boot certs check-expiration` and `kgen-boot certs renew` on a node root the init phases wrote for real:
// renewed files are checked with openssl and kubectl (real peers), against the files before renewal.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { main } from './cli.js';
import type { NodeBootConfig } from '../contract/config.js';
import { certMatchesKey, parseCertificate } from '../pki/index.js';
import { realClock, createHost } from './host.js';
import { captureIO, realInitConfig, testNode, type TestNode } from './test-node.js';
import type { BootDeps } from './commands.js';
import { PENDING_RESTARTS } from './node/static-pod-restart.js';
import { ProbeUnavailableError } from './node/static-pod-probes.js';

const PORTS = ['Port-6443', 'Port-10259', 'Port-10257', 'Port-2379', 'Port-2380', 'Port-10250'];
const DAY_MS = 86_400_000;
const PKI = 'etc/kubernetes/pki';

let config: NodeBootConfig;
beforeAll(async () => {
  config = await realInitConfig((c) => (c.cluster.ignorePreflightErrors = PORTS));
});

/** The same node root seen at another time. */
const later = (offsetMs: number): BootDeps => ({
  host: (o) =>
    createHost({ ...o, uid: 0, bindAddress: '127.0.0.1', env: { PATH: '/nonexistent' }, clock: { now: () => new Date(Date.now() + offsetMs), sleep: realClock.sleep } }),
});

async function boot(args: string[], deps: BootDeps) {
  const c = captureIO();
  const code = await main(args, c.io, deps);
  return { code, out: c.out(), err: c.err() };
}

/** An init node with its certificates and kubeconfigs written by the real phases. */
async function controlPlaneNode(): Promise<TestNode> {
  const node = testNode(config);
  for (const phase of ['preflight', 'certs', 'kubeconfig']) {
    const r = await boot(['phase', phase, '--root', node.root], node.deps);
    expect(r.code, r.err).toBe(0);
  }
  return node;
}

const read = (node: TestNode, path: string) => readFileSync(join(node.root, path), 'utf8');
const kubeconfigCert = (node: TestNode, file: string) => {
  const doc = parse(read(node, `etc/kubernetes/${file}`));
  const user = doc.users[0].user;
  return { cert: Buffer.from(user['client-certificate-data'], 'base64').toString(), key: Buffer.from(user['client-key-data'], 'base64').toString() };
};
const openssl = (...args: string[]) => execFileSync('openssl', args, { encoding: 'utf8', stdio: 'pipe' });

const LEAVES = ['apiserver', 'apiserver-kubelet-client', 'front-proxy-client', 'etcd/server', 'etcd/peer', 'etcd/healthcheck-client', 'apiserver-etcd-client'];
const KUBECONFIGS = ['admin.conf', 'super-admin.conf', 'controller-manager.conf', 'scheduler.conf'];

describe('kgen-boot certs check-expiration', () => {
  it("prints kubeadm's two tables for the node's certificates and CAs, and --json", async () => {
    const node = await controlPlaneNode();
    const table = await boot(['certs', 'check-expiration', '--root', node.root], node.deps);
    expect(table.code, table.err).toBe(0);
    const lines = table.out.split('\n');
    expect(lines[0]).toMatch(/^CERTIFICATE\s+EXPIRES\s+RESIDUAL TIME\s+CERTIFICATE AUTHORITY\s+EXTERNALLY MANAGED$/);
    expect(lines.slice(1, 12).map((l) => l.split(/\s+/)[0])).toEqual([
      'admin.conf', 'apiserver', 'apiserver-etcd-client', 'apiserver-kubelet-client', 'controller-manager.conf', 'etcd-healthcheck-client',
      'etcd-peer', 'etcd-server', 'front-proxy-client', 'scheduler.conf', 'super-admin.conf',
    ]);
    expect(table.out).toMatch(/\napiserver\s+\w{3} \d\d, \d{4} \d\d:\d\d UTC\s+364d\s+ca\s+no\n/);
    expect(table.out).toMatch(/\netcd-server\s+.*\s+etcd-ca\s+no\n/);
    expect(table.out).toMatch(/\nCERTIFICATE AUTHORITY\s+EXPIRES\s+RESIDUAL TIME\s+EXTERNALLY MANAGED\nca\s+.*\s+9y\s+no\netcd-ca\s+.*\nfront-proxy-ca\s+/);

    const json = await boot(['certs', 'check-expiration', '--json', '--root', node.root], node.deps);
    const report = JSON.parse(json.out);
    expect(report.certificates).toHaveLength(11);
    expect(report.certificates[0]).toMatchObject({ name: 'admin.conf', certificateAuthority: 'ca', externallyManaged: false });
    expect(report.certificateAuthorities.map((c: { name: string }) => c.name)).toEqual(['ca', 'etcd-ca', 'front-proxy-ca']);
  });

  it('marks missing certificates and those whose CA key is absent (a worker, a CA kept elsewhere)', async () => {
    const node = await controlPlaneNode();
    rmSync(join(node.root, PKI, 'apiserver.crt'));
    rmSync(join(node.root, PKI, 'etcd/ca.key'));
    const r = await boot(['certs', 'check-expiration', '--root', node.root], node.deps);
    expect(r.out).toContain('\n!MISSING! apiserver\n');
    expect(r.out).toMatch(/\netcd-server\s+.*\s+etcd-ca\s+yes\n/);
    expect(r.out).toMatch(/\netcd-ca\s+.*\s+yes\n/);

    const worker = testNode(config);
    const w = await boot(['certs', 'check-expiration', '--json', '--root', worker.root], worker.deps);
    expect(w.code).toBe(0);
    expect(JSON.parse(w.out)).toMatchObject({ certificates: expect.arrayContaining([{ name: 'apiserver', missing: true }]), certificateAuthorities: [] });
  });
});

describe('kgen-boot certs renew', () => {
  it('renews every certificate and kubeconfig with the CA on disk, keeping keys, subjects and SANs', async () => {
    const node = await controlPlaneNode();
    const before = new Map([...LEAVES.map((l) => [l, { cert: read(node, `${PKI}/${l}.crt`), key: read(node, `${PKI}/${l}.key`) }] as const), ...KUBECONFIGS.map((k) => [k, kubeconfigCert(node, k)] as const)]);
    const in200Days = later(200 * DAY_MS);
    const r = await boot(['certs', 'renew', 'all', '--root', node.root], in200Days);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('certificate for serving the Kubernetes API renewed\n');
    expect(r.out).toContain('certificate embedded in the kubeconfig file for the admin to use and for kubeadm itself renewed\n');
    expect(r.out).toContain('You must restart the kube-apiserver, kube-controller-manager, kube-scheduler and etcd');

    for (const [name, old] of before) {
      const now = LEAVES.includes(name) ? { cert: read(node, `${PKI}/${name}.crt`), key: read(node, `${PKI}/${name}.key`) } : kubeconfigCert(node, name);
      const [o, n] = [parseCertificate(old.cert), parseCertificate(now.cert)];
      expect(n.notAfter.getTime() - o.notAfter.getTime(), name).toBeGreaterThan(199 * DAY_MS);
      expect(now.key, name).toBe(old.key);
      expect({ subject: n.subject, dns: n.dnsNames, ips: n.ips, eku: n.extKeyUsages }, name).toEqual({ subject: o.subject, dns: o.dnsNames, ips: o.ips, eku: o.extKeyUsages });
      expect(n.serialNumber).not.toBe(o.serialNumber);
    }
    for (const [cert, ca] of [['apiserver', 'ca'], ['front-proxy-client', 'front-proxy-ca'], ['etcd/peer', 'etcd/ca']]) {
      expect(openssl('verify', '-attime', String(Math.trunc((Date.now() + 200 * DAY_MS) / 1000)), '-CAfile', join(node.root, PKI, `${ca}.crt`), join(node.root, PKI, `${cert}.crt`)).trim()).toMatch(/: OK$/);
    }
    for (const conf of KUBECONFIGS) {
      expect(statSync(join(node.root, 'etc/kubernetes', conf)).mode & 0o777).toBe(0o600);
      // kubectl reads the rewritten kubeconfig and finds the renewed certificate in it.
      const raw = execFileSync('kubectl', ['config', 'view', '--raw', '-o', 'jsonpath={.users[0].user.client-certificate-data}', '--kubeconfig', join(node.root, 'etc/kubernetes', conf)], { encoding: 'utf8' });
      expect(Buffer.from(raw, 'base64').toString()).toBe(kubeconfigCert(node, conf).cert);
    }
  });

  it('issues a new key with --new-key, renews one certificate by name, and refuses what it cannot renew', async () => {
    const node = await controlPlaneNode();
    const old = read(node, `${PKI}/apiserver.key`);
    const oldAdmin = read(node, 'etc/kubernetes/admin.conf');
    const r = await boot(['certs', 'renew', 'apiserver', '--new-key', '--root', node.root], node.deps);
    expect(r.code, r.err).toBe(0);
    const key = read(node, `${PKI}/apiserver.key`);
    expect(key).not.toBe(old);
    expect(certMatchesKey(read(node, `${PKI}/apiserver.crt`), key)).toBe(true);
    expect(statSync(join(node.root, PKI, 'apiserver.key')).mode & 0o777).toBe(0o600);
    expect(read(node, 'etc/kubernetes/admin.conf')).toBe(oldAdmin);

    const unknown = await boot(['certs', 'renew', 'kubelet.conf', '--root', node.root], node.deps);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('unknown certificate "kubelet.conf"; expected "all" or one of apiserver, ');

    rmSync(join(node.root, PKI, 'etcd/ca.key'));
    const external = await boot(['certs', 'renew', 'etcd-server', '--root', node.root], node.deps);
    expect(external.code).toBe(1);
    expect(external.err).toContain('etcd-server is signed by etcd-ca, whose key /etc/kubernetes/pki/etcd/ca.key is not on this node: it is externally managed');

    rmSync(join(node.root, PKI, 'front-proxy-client.crt'));
    const missing = await boot(['certs', 'renew', 'front-proxy-client', '--root', node.root], node.deps);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('/etc/kubernetes/pki/front-proxy-client.crt does not exist on this node');
  });

  it('--if-expiring-within renews all only when a certificate is inside the window (the timer)', async () => {
    const node = await controlPlaneNode();
    const apiserver = read(node, `${PKI}/apiserver.crt`);
    const early = await boot(['certs', 'renew', 'all', '--if-expiring-within', '720h', '--root', node.root], node.deps);
    expect(early.code, early.err).toBe(0);
    expect(early.out).toBe('[renew] No certificate expires within 720h; nothing renewed\n');
    expect(read(node, `${PKI}/apiserver.crt`)).toBe(apiserver);

    const late = await boot(['certs', 'renew', 'all', '--if-expiring-within', '720h', '--root', node.root], later(340 * DAY_MS));
    expect(late.code, late.err).toBe(0);
    expect(late.out).toMatch(/^\[renew\] admin\.conf, apiserver, .* expire within 720h; renewing all certificates\n/);
    expect(read(node, `${PKI}/apiserver.crt`)).not.toBe(apiserver);

    const misuse = await boot(['certs', 'renew', 'apiserver', '--if-expiring-within', '720h', '--root', node.root], node.deps);
    expect(misuse.code).toBe(1);
  });
});

describe('kgen-boot certs renew --restart-static-pods', () => {
  const PODS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const;
  const manifest = (node: TestNode, pod: string) => join(node.root, 'etc/kubernetes/manifests', `${pod}.yaml`);
  const held = (node: TestNode, pod: string) => join(node.root, 'etc/kubernetes/tmp/kgen-restart', `${pod}.yaml`);
  const pending = (node: TestNode) => join(node.root, PENDING_RESTARTS);

  /** A control-plane node with the four manifests, and deps whose probes see a pod up exactly while its manifest is in place. */
  async function nodeWithPods(options: { sick?: string; offsetMs?: number; signal?: AbortController } = {}) {
    const node = await controlPlaneNode();
    mkdirSync(join(node.root, 'etc/kubernetes/manifests'), { recursive: true });
    for (const pod of PODS) writeFileSync(manifest(node, pod), `kind: Pod\nmetadata: {name: ${pod}}\n`);
    const built: string[][] = [];
    const stopped = new Set<string>();
    const probes = async (_config: unknown, _host: unknown, pods: readonly string[]) => {
      built.push([...pods]);
      const entry = (pod: string) => ({
        describe: `${pod} health`,
        healthy: async () => {
          if (!existsSync(manifest(node, pod))) stopped.add(pod);
          if (pod === options.sick && stopped.has(pod)) return false;
          // Ends the run while kube-apiserver is away, as SIGTERM from `systemctl stop` would.
          if (options.signal && pod === 'kube-apiserver' && !existsSync(manifest(node, pod))) options.signal.abort('SIGTERM');
          return existsSync(manifest(node, pod));
        },
      });
      return { probes: Object.fromEntries(pods.map((p) => [p, entry(p)])), close: async () => undefined };
    };
    const base = options.offsetMs === undefined ? node.deps : later(options.offsetMs);
    const deps: BootDeps = { ...base, restart: { probes, processSignals: false, timings: { totalMs: options.sick ? 1_500 : 5_000, stopWaitMs: 1_000, pollMs: 5, probeMs: 500 } } };
    return { node, deps, built };
  }

  async function bootWith(args: string[], deps: BootDeps, signal?: AbortSignal) {
    const c = captureIO();
    const code = await main(args, { ...c.io, signal }, deps);
    return { code, out: c.out(), err: c.err() };
  }

  it('after a renewal restarts the pods that use the renewed certificates, one at a time, in order', async () => {
    const { node, deps } = await nodeWithPods();
    const r = await bootWith(['certs', 'renew', 'all', '--restart-static-pods', '--root', node.root], deps);
    expect(r.code, r.err).toBe(0);
    expect(r.out).not.toContain('You must restart');
    const moves = r.out.split('\n').filter((l) => l.startsWith('[restart] Moved'));
    expect(moves.map((l) => l.split(' ')[2])).toEqual(PODS.flatMap((p) => [`/etc/kubernetes/manifests/${p}.yaml`, `/etc/kubernetes/tmp/kgen-restart/${p}.yaml`]));
    expect(r.out).toContain('[restart] Done: etcd, kube-apiserver, kube-controller-manager, kube-scheduler restarted\n');
    for (const pod of PODS) expect(existsSync(manifest(node, pod)), pod).toBe(true);

    // One certificate by name: only the pod that reads it.
    const one = await bootWith(['certs', 'renew', 'scheduler.conf', '--restart-static-pods', '--root', node.root], deps);
    expect(one.code, one.err).toBe(0);
    expect(one.out).toContain('[restart] Restarting, one at a time: kube-scheduler\n');
    const admin = await bootWith(['certs', 'renew', 'admin.conf', '--restart-static-pods', '--root', node.root], deps);
    expect(admin.out).toContain('[restart] No static pod uses the renewed certificates\n');
  });

  it('restarts nothing when nothing was renewed, but moves back a manifest a killed run left held', async () => {
    const { node, deps, built } = await nodeWithPods();
    mkdirSync(join(node.root, 'etc/kubernetes/tmp/kgen-restart'), { recursive: true });
    renameSync(manifest(node, 'etcd'), held(node, 'etcd'));
    const r = await bootWith(['certs', 'renew', 'all', '--if-expiring-within', '720h', '--restart-static-pods', '--root', node.root], deps);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe(
      '[restart] Moved /etc/kubernetes/tmp/kgen-restart/etcd.yaml, left by an interrupted restart, back to /etc/kubernetes/manifests/etcd.yaml\n' +
        '[renew] No certificate expires within 720h; nothing renewed\n',
    );
    expect(existsSync(manifest(node, 'etcd'))).toBe(true);
    expect(built).toEqual([]);
  });

  it('exits 3 naming the pod that did not come back, with its manifest back in place; the next timer run restarts what is left', async () => {
    const options: { sick?: string; offsetMs: number } = { sick: 'kube-controller-manager', offsetMs: 340 * DAY_MS };
    const { node, deps } = await nodeWithPods(options);
    const timerRun = ['certs', 'renew', 'all', '--if-expiring-within', '720h', '--restart-static-pods', '--root', node.root];
    const r = await bootWith(timerRun, deps);
    expect(r.code).toBe(3);
    expect(r.err).toBe('kgen-boot: kube-controller-manager did not answer healthy at kube-controller-manager health within the 2s restart budget; not restarted: kube-scheduler\n');
    for (const pod of PODS) expect(existsSync(manifest(node, pod)), pod).toBe(true);
    expect(readFileSync(pending(node), 'utf8')).toBe('kube-controller-manager\nkube-scheduler\n');

    // The pod is fixed; the next run renews nothing (all were renewed just now) and restarts the two left.
    options.sick = undefined;
    const next = await bootWith(timerRun, deps);
    expect(next.code, next.err).toBe(0);
    expect(next.out).toBe(
      `[restart] An earlier restart did not finish; still to restart: kube-controller-manager, kube-scheduler (${PENDING_RESTARTS})\n` +
        '[renew] No certificate expires within 720h; nothing renewed\n' +
        '[restart] Restarting, one at a time: kube-controller-manager, kube-scheduler\n' +
        next.out.slice(next.out.indexOf('[restart] Moved')),
    );
    expect(next.out).toContain('[restart] Done: kube-controller-manager, kube-scheduler restarted\n');
    expect(existsSync(pending(node))).toBe(false);
    const quiet = await bootWith(timerRun, deps);
    expect(quiet.out).toBe('[renew] No certificate expires within 720h; nothing renewed\n');
  });

  it('records the pods to restart before it builds the probes: a run that cannot probe leaves them for the next', async () => {
    const { node, deps } = await nodeWithPods();
    const unavailable = { ...deps, restart: { ...deps.restart, probes: async () => Promise.reject(new ProbeUnavailableError('cannot probe etcd without its client certificate; nothing restarted')) } };
    const r = await bootWith(['certs', 'renew', 'etcd-server', '--restart-static-pods', '--root', node.root], unavailable);
    expect(r.code).toBe(1);
    expect(r.err).toBe('kgen-boot: cannot probe etcd without its client certificate; nothing restarted\n');
    expect(readFileSync(pending(node), 'utf8')).toBe('etcd\n');
    // The next run (renewing only admin.conf) restarts etcd as well.
    const next = await bootWith(['certs', 'renew', 'admin.conf', '--restart-static-pods', '--root', node.root], deps);
    expect(next.code, next.err).toBe(0);
    expect(next.out).toContain('[restart] Done: etcd restarted\n');
    expect(existsSync(pending(node))).toBe(false);
  });

  it('exits 143 on SIGTERM during the restart, with the manifest back in place', async () => {
    const signal = new AbortController();
    const { node, deps } = await nodeWithPods({ signal });
    const r = await bootWith(['certs', 'renew', 'all', '--restart-static-pods', '--root', node.root], deps, signal.signal);
    expect(r.code).toBe(143);
    expect(r.err).toBe('kgen-boot: interrupted by SIGTERM\n');
    for (const pod of PODS) expect(existsSync(manifest(node, pod)), pod).toBe(true);
    expect(r.out).not.toContain('kube-controller-manager.yaml');
    expect(readFileSync(pending(node), 'utf8')).toBe('kube-apiserver\nkube-controller-manager\nkube-scheduler\n');
  });
});
