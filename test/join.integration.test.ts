// kgen-boot `run` on a whole cluster on one machine: `kgen render` (the built CLI, as an operator runs it)
// renders an inventory of three control-plane nodes and two workers behind a load balancer; every node is a
// root directory plus a network namespace (test/cluster) whose kubelet is the test kubelet, started through
// systemctl as kgen-boot starts it, running the static pods kgen-boot wrote (real etcd, the test
// kube-apiserver / controller-manager / scheduler). All five `kgen-boot run` start at the same moment, so the
// joiners discover the cluster before the init node is up. Then: a real three-member etcd, every Node with its
// labels and taints, kubelet client certificates from the CSR-based TLS bootstrap, no CA key on workers; the
// failure paths (wrong CA pin, forged token secret, unknown token id, wrong certificate key, expired
// kubeadm-certs, a Ready Node with the same name), each reported with a failed status and retryable; and the
// cluster surviving the init node's control plane going down.
// The load balancer is a plain TCP one over all four control-plane addresses with no health checks (cp4 is
// not up during the first wave, so its turns are connect timeouts and resets), and every test kube-apiserver
// answers 403 for a start-up window after it starts serving, as a real one before its authorizer caches
// sync: joins must get through both, as at a real first boot. cp3 and w2 run kgen-boot.mjs under Node 18.19.0
// (Debian 12's nodejs), the oldest Node it supports.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toYaml } from '../src/yaml.js';
import { HARNESS_PROGRAMS, buildClusterPrograms } from './cluster/build-programs.js';
import { startLoadBalancer, type LoadBalancer } from './cluster/load-balancer.js';
import { createFabric, destroyFabric, type Fabric } from './cluster/netns.js';
import { createTestNode, type TestNode } from './cluster/node.js';
import { REPO_ROOT, sourceExists } from './cluster/programs.js';
import { KGEN, oldestNode } from './helpers.js';
import { buildBootProgram } from './esbuild-options.js';
import { prepareNodeImage } from './cluster/node-image.js';
import { nodeNameFromKubeletConf, nodeRegistration, type NodeObject } from './kubeadm/readback.js';

const API_SERVER = 'test/controlplane/kube-apiserver-main.ts';
const CONTROLLER_MANAGER = 'test/controlplane/kube-controller-manager-main.ts';
const LB = '172.31.77.2';
const ADDRESSES: Record<string, string> = {
  cp1: '172.31.77.11',
  cp2: '172.31.77.12',
  cp3: '172.31.77.13',
  w1: '172.31.77.21',
  w2: '172.31.77.22',
  // Not booted with the others: the failure paths and the join while the init node is down.
  w3: '172.31.77.23',
  cp4: '172.31.77.14',
  w4: '172.31.77.24',
};
const FIRST_WAVE = ['cp1', 'cp2', 'cp3', 'w1', 'w2'];
/** Nodes whose systemctl reports systemd-resolved active (kgen's image runs it), for kubelet-start's resolvConf. */
const WITH_SYSTEMD_RESOLVED = ['cp1', 'w2'];
/** The test kube-apiservers' start-up window (test/controlplane/README.md); the static pods inherit it. */
const STARTUP_WINDOW_MS = '1500';
let balancer: LoadBalancer;

const scratch = mkdtempSync(join(tmpdir(), 'kgen-join-it-'));
const bundle = join(scratch, 'kgen-boot.mjs');
const dist = join(scratch, 'dist');
let fabric: Fabric;
const nodes = new Map<string, TestNode>();
const runs = new Map<string, { code: number; stdout: string; stderr: string; seconds: number }>();
/** Node configs as kgen render wrote them (parsed). */
const rendered = new Map<string, Record<string, any>>();

/** kgen-boot bundled exactly as scripts/build.mjs does (as the init integration test does). */
async function buildBoot(): Promise<void> {
  await buildBootProgram(`${REPO_ROOT}src/boot/main.ts`, bundle);
}

function inventory(): string {
  const node = (name: string) => ({ name, role: name.startsWith('cp') ? 'control-plane' : 'worker', address: ADDRESSES[name], ...(name === 'cp1' ? { init: true } : {}) });
  return toYaml({
    cluster: { name: 'jointest', kubernetesVersion: 'v1.33.2', controlPlaneEndpoint: `${LB}:6443` },
    nodes: Object.keys(ADDRESSES).map(node),
  });
}


/** A fresh machine named `netName` (its hostname and namespace) with the given node.yaml. */
async function addNode(netName: string, nodeYaml: string): Promise<TestNode> {
  const activeUnits = WITH_SYSTEMD_RESOLVED.includes(netName) ? ['systemd-resolved'] : [];
  const node = await createTestNode(fabric, { name: netName, address: ADDRESSES[netName] ?? '172.31.77.99', activeUnits });
  prepareNodeImage(node.root);
  writeFileSync(join(node.root, 'etc/kgen/node.yaml'), nodeYaml, { mode: 0o600 });
  nodes.set(netName, node);
  return node;
}

/** Nodes whose kgen-boot.mjs runs under the oldest Node.js it supports (Debian 12's nodejs 18.19.0); the rest under this test's Node. */
const UNDER_OLDEST_NODE = ['cp3', 'w2'];
let node18 = '';
const boot = (node: TestNode, args: string[]) =>
  node.exec(UNDER_OLDEST_NODE.includes(node.name) ? node18 : process.execPath, [bundle, ...args, '--root', node.root], { timeoutMs: 400_000 });

async function timedBoot(name: string): Promise<void> {
  const start = Date.now();
  const r = await boot(nodes.get(name)!, ['run']);
  runs.set(name, { ...r, seconds: (Date.now() - start) / 1000 });
}

/**
 * kubectl through the load balancer, run again when its connection landed on the dead backend's turn (reset
 * before any request was sent), as an operator reruns it; any answer from an API server counts.
 */
async function kubectl(node: TestNode, args: string[]): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const r = await node.exec('kubectl', ['--kubeconfig', join(node.root, 'etc/kubernetes/admin.conf'), ...args], { timeoutMs: 30_000 });
    if (r.code === 0) return r.stdout;
    if (attempt < 4 && r.stderr.includes('Unable to connect to the server')) continue;
    throw new Error(`kubectl ${args.join(' ')}: ${r.stderr.trim()}`);
  }
}

async function etcdctl(node: TestNode, endpoint: string, args: string[]) {
  const pki = join(node.root, 'etc/kubernetes/pki/etcd');
  return node.exec(
    'etcdctl',
    ['--endpoints', endpoint, '--cacert', join(pki, 'ca.crt'), '--cert', join(pki, 'healthcheck-client.crt'), '--key', join(pki, 'healthcheck-client.key'), ...args],
    { timeoutMs: 30_000 },
  );
}

/** The tail of a node's pod logs, kubelet log and kgen-boot log, to explain a failed run. */
function nodeLogs(name: string): string {
  const node = nodes.get(name);
  if (!node) return '';
  const dir = join(node.root, 'var/log/pods');
  const files = [...(existsSync(dir) ? readdirSync(dir).map((f) => join(dir, f)) : []), join(node.root, 'var/log/kubelet.log')];
  return files
    .filter((f) => existsSync(f))
    .map((f) => `--- ${name}: ${f}\n${readFileSync(f, 'utf8').split('\n').slice(-20).join('\n')}`)
    .join('\n');
}

const explain = (name: string) => {
  const r = runs.get(name);
  return `${name}: exit ${r?.code}\n${r?.stdout.split('\n').slice(-30).join('\n')}\n${r?.stderr}\n${nodeLogs(name)}`;
};

/** Every regular file below `dir` (symlinks not followed). */
function filesBelow(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile()) out.push(p);
    }
  };
  walk(dir);
  return out;
}

async function waitUntil<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${last}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

describe.skipIf(!sourceExists(API_SERVER) || !sourceExists(CONTROLLER_MANAGER) || !existsSync(KGEN))('kgen-boot run: 3 control-plane nodes and 2 workers booted at once', () => {
  beforeAll(async () => {
    [node18] = await Promise.all([oldestNode(), buildClusterPrograms([...HARNESS_PROGRAMS, API_SERVER, CONTROLLER_MANAGER]), buildBoot()]);
    writeFileSync(join(scratch, 'nodes.yaml'), inventory());
    const render = execFileSync(process.execPath, [KGEN, 'render', '--nodes', 'nodes.yaml', '--out', 'dist'], { cwd: scratch, encoding: 'utf8' });
    expect(render).toContain('wrote 8 nodes');
    for (const name of Object.keys(ADDRESSES)) rendered.set(name, parse(readFileSync(join(dist, 'nodes', name, 'node.yaml'), 'utf8')));

    process.env.KGEN_TEST_APISERVER_STARTUP_WINDOW_MS = STARTUP_WINDOW_MS;
    fabric = await createFabric();
    balancer = await startLoadBalancer(fabric, { address: LB, backends: ['cp1', 'cp2', 'cp3', 'cp4'].map((n) => ADDRESSES[n]!) });
    for (const name of FIRST_WAVE) await addNode(name, readFileSync(join(dist, 'nodes', name, 'node.yaml'), 'utf8'));
    // Every node at the same moment: the joiners poll cluster-info until the init node publishes and signs it.
    await Promise.all(FIRST_WAVE.map(timedBoot));
  }, 900_000);

  afterAll(async () => {
    delete process.env.KGEN_TEST_APISERVER_STARTUP_WINDOW_MS;
    for (const node of nodes.values()) await node.services.stop('kubelet').catch(() => undefined);
    if (fabric) await destroyFabric(fabric);
    for (const node of nodes.values()) node.remove();
    rmSync(scratch, { recursive: true, force: true });
  }, 120_000);

  it('completes every phase on all five nodes', () => {
    for (const name of FIRST_WAVE) expect(runs.get(name)?.code, explain(name)).toBe(0);
    const seconds = Object.fromEntries([...runs].map(([n, r]) => [n, r.seconds]));
    console.log(`kgen-boot run durations (s): ${JSON.stringify(seconds)}`);
    // What the start-up window and the dead backend cost each node: its API retries and reconnects, as logged.
    const retries = Object.fromEntries([...runs].map(([n, r]) => [n, r.stdout.split('\n').filter((l) => l.startsWith('[apiclient]'))]));
    console.log(`[apiclient] lines per node: ${JSON.stringify(Object.fromEntries(Object.entries(retries).map(([n, l]) => [n, l.length])))}`);
    for (const [n, l] of Object.entries(retries)) for (const line of l.slice(0, 5)) console.log(`${n}: ${line}`);
    expect(runs.get('cp2')!.stdout).toContain('This node has joined the cluster as a control-plane node.');
    // A control-plane join and a worker join under Node 18 (undici, the etcd client, kubeadm-certs, TLS bootstrap).
    expect(execFileSync(node18, ['--version'], { encoding: 'utf8' })).toBe('v18.19.0\n');
    expect(runs.get('cp3')!.stdout).toContain('This node has joined the cluster as a control-plane node.');
    expect(runs.get('w2')!.stdout).toContain('This node has joined the cluster.');
    // The dead backend was in play: the balancer sent it connections and reset them.
    expect(balancer.connections.filter((c) => !c.forwarded && c.backend === `${ADDRESSES.cp4}:6443`).length).toBeGreaterThan(0);
    expect(runs.get('w1')!.stdout).toContain('This node has joined the cluster.');
    for (const line of ['[discovery]', '[download-certs] Downloading the certificates in Secret "kubeadm-certs"', '[etcd] Announced new etcd member', '[mark-control-plane] Marking the node cp2 as control-plane']) {
      expect(runs.get('cp2')!.stdout).toContain(line);
    }
    for (const name of FIRST_WAVE) {
      const out = runs.get(name)!.stdout + runs.get(name)!.stderr;
      const config = rendered.get(name)!;
      const token = String(config.discovery.token);
      for (const secret of [token, token.split('.')[1]!, config.certificateKey].filter(Boolean)) expect(out).not.toContain(secret);
      expect(out).not.toContain('PRIVATE KEY');
    }
  });

  it('forms a real three-member etcd cluster: every member started and voting, no learner', async () => {
    const r = await etcdctl(nodes.get('cp2')!, `https://${ADDRESSES.cp2}:2379`, ['member', 'list', '-w', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const members = (JSON.parse(r.stdout) as { members: Array<{ name?: string; peerURLs: string[]; clientURLs?: string[]; isLearner?: boolean }> }).members;
    expect(members.map((m) => m.name).sort()).toEqual(['cp1', 'cp2', 'cp3']);
    expect(members.map((m) => m.peerURLs[0]).sort()).toEqual(['cp1', 'cp2', 'cp3'].map((n) => `https://${ADDRESSES[n]}:2380`));
    for (const m of members) {
      expect(m.isLearner ?? false).toBe(false);
      expect(m.clientURLs?.length ?? 0).toBeGreaterThan(0);
    }
    const health = await etcdctl(nodes.get('cp3')!, ['cp1', 'cp2', 'cp3'].map((n) => `https://${ADDRESSES[n]}:2379`).join(','), ['endpoint', 'health']);
    expect(health.code, health.stderr + health.stdout).toBe(0);
  });

  it('registers every Node with its labels and taints (kubectl through the load balancer)', async () => {
    type NodeList = { items: Array<{ metadata: { name: string; labels: Record<string, string> }; spec: { taints?: Array<{ key: string; effect: string }> } }> };
    // A kubelet registers its Node right after the TLS bootstrap that ends a worker's join.
    const list = await waitUntil('all five Nodes', async () => {
      const l = JSON.parse(await kubectl(nodes.get('cp3')!, ['get', 'nodes', '-o', 'json'])) as NodeList;
      return l.items.length >= FIRST_WAVE.length ? l : undefined;
    }, 60_000);
    const byName = new Map(list.items.map((n) => [n.metadata.name, n]));
    expect([...byName.keys()].sort()).toEqual(['cp1', 'cp2', 'cp3', 'w1', 'w2']);
    for (const name of ['cp1', 'cp2', 'cp3']) {
      const n = byName.get(name)!;
      expect(n.metadata.labels).toMatchObject({ 'node-role.kubernetes.io/control-plane': '', 'node.kubernetes.io/exclude-from-external-load-balancers': '' });
      expect(n.spec.taints).toContainEqual({ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' });
    }
    for (const name of ['w1', 'w2']) {
      const n = byName.get(name)!;
      expect(n.metadata.labels['node-role.kubernetes.io/control-plane']).toBeUndefined();
      expect(n.spec.taints ?? []).not.toContainEqual(expect.objectContaining({ key: 'node-role.kubernetes.io/control-plane' }));
    }
  });

  it("passes kubeadm's GetNodeRegistration on every node: name from kubelet.conf, the cri-socket annotation (v1.33), taints", async () => {
    for (const name of FIRST_WAVE) {
      const root = nodes.get(name)!.root;
      const nodeName = nodeNameFromKubeletConf(readFileSync(join(root, 'etc/kubernetes/kubelet.conf'), 'utf8'), (p) => readFileSync(join(root, p), 'utf8'));
      expect(nodeName).toBe(name);
      const node = JSON.parse(await kubectl(nodes.get('cp1')!, ['get', 'node', nodeName, '-o', 'json'])) as NodeObject;
      const registration = nodeRegistration(node, false, undefined);
      expect(registration.criSocket, name).toBe(rendered.get(name)!.node.kubelet.criSocket);
      expect(registration.taints).toEqual(node.spec?.taints ?? []);
    }
  });

  it("signs every kubelet's client certificate with the cluster CA for system:node:<name>", () => {
    const caFile = join(nodes.get('cp1')!.root, 'etc/kubernetes/pki/ca.crt');
    for (const name of FIRST_WAVE) {
      const pem = join(nodes.get(name)!.root, 'var/lib/kubelet/pki/kubelet-client-current.pem');
      expect(existsSync(pem), `${name}: ${pem}`).toBe(true);
      expect(execFileSync('openssl', ['verify', '-CAfile', caFile, pem], { encoding: 'utf8' })).toMatch(/OK/);
      const subject = execFileSync('openssl', ['x509', '-in', pem, '-noout', '-subject', '-nameopt', 'RFC2253'], { encoding: 'utf8' });
      expect(subject).toContain(`CN=system:node:${name}`);
      expect(subject).toContain('O=system:nodes');
      // kubelet.conf replaced the bootstrap kubeconfig, which held the token.
      expect(existsSync(join(nodes.get(name)!.root, 'etc/kubernetes/kubelet.conf'))).toBe(true);
      expect(existsSync(join(nodes.get(name)!.root, 'etc/kubernetes/bootstrap-kubelet.conf'))).toBe(false);
    }
  });

  it('asks each node at kubelet-start whether systemd-resolved is active: resolvConf only where it is (init and join)', () => {
    for (const name of FIRST_WAVE) {
      const config = parse(readFileSync(join(nodes.get(name)!.root, 'var/lib/kubelet/config.yaml'), 'utf8'));
      expect(config.resolvConf, name).toBe(WITH_SYSTEMD_RESOLVED.includes(name) ? '/run/systemd/resolve/resolv.conf' : undefined);
    }
  });

  it('writes private keys as kubeadm does: PKCS#1 RSA keys that openssl checks, on the init node and on joiners', () => {
    for (const [name, file] of [['cp1', 'etc/kubernetes/pki/ca.key'], ['cp1', 'etc/kubernetes/pki/sa.key'], ['cp2', 'etc/kubernetes/pki/ca.key'], ['cp2', 'etc/kubernetes/pki/apiserver.key']]) {
      const path = join(nodes.get(name!)!.root, file!);
      expect(readFileSync(path, 'utf8'), `${name}:${file}`).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
      expect(execFileSync('openssl', ['rsa', '-in', path, '-check', '-noout'], { encoding: 'utf8' })).toBe('RSA key ok\n');
    }
    const admin = parse(readFileSync(join(nodes.get('cp2')!.root, 'etc/kubernetes/admin.conf'), 'utf8'));
    expect(Buffer.from(admin.users[0].user['client-key-data'], 'base64').toString()).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
  });

  it("gives workers no key material: node.yaml without secrets, no CA key anywhere under the worker's root", () => {
    const caKeys = ['ca.key', 'front-proxy-ca.key', 'etcd/ca.key', 'sa.key'].map((f) => readFileSync(join(nodes.get('cp1')!.root, 'etc/kubernetes/pki', f), 'utf8').trim());
    for (const name of ['w1', 'w2']) {
      const config = rendered.get(name)!;
      expect(config.secrets).toBeUndefined();
      expect(config.certificateKey).toBeUndefined();
      expect(readFileSync(join(dist, 'nodes', name, 'node.yaml'), 'utf8')).not.toContain('PRIVATE KEY');
      const root = nodes.get(name)!.root;
      for (const f of ['ca.key', 'front-proxy-ca.key', 'etcd/ca.key', 'sa.key']) expect(existsSync(join(root, 'etc/kubernetes/pki', f))).toBe(false);
      for (const file of filesBelow(root)) {
        if (statSync(file).size > 1_000_000) continue;
        const text = readFileSync(file, 'latin1');
        for (const key of caKeys) expect(text.includes(key), `${file} holds a CA or service-account key`).toBe(false);
      }
    }
    // Control-plane joiners carry only the certificate key; their CA keys came from kubeadm-certs.
    expect(rendered.get('cp2')!.secrets).toBeUndefined();
    expect(readFileSync(join(nodes.get('cp2')!.root, 'etc/kubernetes/pki/ca.key'), 'utf8').trim()).toBe(caKeys[0]);
    expect(statSync(join(nodes.get('cp2')!.root, 'etc/kubernetes/pki/ca.key')).mode & 0o777).toBe(0o600);
  });

  it('is idempotent: a second run skips every phase, and re-running the etcd phase does not add the member twice', async () => {
    for (const name of ['cp2', 'w1']) {
      const again = await boot(nodes.get(name)!, ['run']);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toContain('Skipping phase kubelet-start: completed by an earlier run');
    }
    const cp2 = nodes.get('cp2')!;
    const manifest = readFileSync(join(cp2.root, 'etc/kubernetes/manifests/etcd.yaml'), 'utf8');
    const etcd = await boot(cp2, ['phase', 'control-plane-join/etcd']);
    expect(etcd.code, etcd.stdout + etcd.stderr).toBe(0);
    expect(etcd.stdout).toContain(`https://${ADDRESSES.cp2}:2380 is already a member of the etcd cluster; not adding it again`);
    const r = await etcdctl(cp2, `https://${ADDRESSES.cp2}:2379`, ['member', 'list', '-w', 'json']);
    expect(JSON.parse(r.stdout).members).toHaveLength(3);
    expect(manifest).toContain('--initial-cluster-state=existing');
    expect(readFileSync(join(cp2.root, 'etc/kubernetes/manifests/etcd.yaml'), 'utf8')).toBe(manifest);
  }, 120_000);

  it('a wrong CA pin fails discovery ("possible man-in-the-middle"), status failed; with the pin fixed the rerun joins', async () => {
    const good = readFileSync(join(dist, 'nodes', 'w3', 'node.yaml'), 'utf8');
    const config = parse(good);
    config.discovery.caCertHashes = [`sha256:${'0'.repeat(64)}`];
    const node = await addNode('w3', toYaml(config));
    const bad = await boot(node, ['run']);
    expect(bad.code).not.toBe(0);
    expect(bad.stdout + bad.stderr).toContain('possible man-in-the-middle');
    const status = await boot(node, ['status', '--json']);
    expect(status.code).not.toBe(0);
    const record = JSON.parse(status.stdout);
    expect(record.state).toBe('failed');
    expect(record.phases).toContainEqual(expect.objectContaining({ phase: 'discovery', outcome: 'failed' }));
    expect(existsSync(join(node.root, 'etc/kubernetes/bootstrap-kubelet.conf'))).toBe(false);
    expect(bad.stdout + bad.stderr).not.toContain(String(config.discovery.token).split('.')[1]);

    writeFileSync(join(node.root, 'etc/kgen/node.yaml'), good, { mode: 0o600 });
    const fixed = await boot(node, ['run']);
    expect(fixed.code, `${fixed.stdout}\n${fixed.stderr}\n${nodeLogs('w3')}`).toBe(0);
    expect(fixed.stdout).toContain('This node has joined the cluster.');
    // The kubelet registers its Node right after the TLS bootstrap that ended the join.
    const w3 = await waitUntil('Node w3', async () => JSON.parse(await kubectl(nodes.get('cp1')!, ['get', 'node', 'w3', '-o', 'json'])), 60_000);
    expect(w3.metadata.name).toBe('w3');
  }, 300_000);

  it('a wrong token secret fails the JWS check; an unknown token id finds no signature; both failed, nothing written', async () => {
    const config = parse(readFileSync(join(dist, 'nodes', 'w3', 'node.yaml'), 'utf8'));
    const [id, secret] = String(config.discovery.token).split('.') as [string, string];
    const forged = `${secret.slice(0, -1)}${secret.endsWith('a') ? 'b' : 'a'}`;
    config.discovery.token = `${id}.${forged}`;
    const jws = await addNode('jws', toYaml(config));
    const bad = await boot(jws, ['run']);
    expect(bad.code).not.toBe(0);
    expect(bad.stdout + bad.stderr).toContain(`failed to verify the JWS signature of cluster-info from ${LB}:6443 for token id ${id}`);
    for (const s of [secret, forged]) expect(bad.stdout + bad.stderr).not.toContain(s);

    config.discovery.token = `zzzzzz.${secret}`;
    config.discovery.timeoutSeconds = 3;
    const unknown = await addNode('unk', toYaml(config));
    const none = await boot(unknown, ['run']);
    expect(none.code).not.toBe(0);
    expect(none.stdout + none.stderr).toContain('no JWS signature for token id zzzzzz in cluster-info');
    for (const node of [jws, unknown]) {
      const record = JSON.parse((await boot(node, ['status', '--json'])).stdout);
      expect(record.state).toBe('failed');
      expect(record.phases).toContainEqual(expect.objectContaining({ phase: 'discovery', outcome: 'failed' }));
      expect(existsSync(join(node.root, 'etc/kubernetes'))).toBe(false);
    }
  }, 120_000);

  it('a wrong certificate key or an expired kubeadm-certs fails download-certs with a clear message, writes nothing, and is retryable', async () => {
    const config = parse(readFileSync(join(dist, 'nodes', 'cp4', 'node.yaml'), 'utf8'));
    const real = String(config.certificateKey);
    config.certificateKey = real.replace(/^./, (c: string) => (c === 'a' ? 'b' : 'a'));
    const node = await addNode('cp4', toYaml(config));
    const r = await boot(node, ['run']);
    expect(r.code).not.toBe(0);
    const out = r.stdout + r.stderr;
    expect(out).toContain('phase control-plane-prepare/download-certs failed');
    expect(out).toContain('the key does not match the one the Secret was sealed with');
    for (const secret of [real, config.certificateKey]) expect(out).not.toContain(secret);
    expect(existsSync(join(node.root, 'etc/kubernetes/pki/ca.key'))).toBe(false);
    const record = JSON.parse((await boot(node, ['status', '--json'])).stdout);
    expect(record.state).toBe('failed');
    // No etcd member was announced for it.
    const members = await etcdctl(nodes.get('cp1')!, `https://${ADDRESSES.cp1}:2379`, ['member', 'list']);
    expect(members.stdout).not.toContain(ADDRESSES.cp4);

    // Retryable: with the right key the same step succeeds; an expired (deleted) Secret fails with its own
    // message until a control-plane node uploads the certificates again.
    config.certificateKey = real;
    writeFileSync(join(node.root, 'etc/kgen/node.yaml'), toYaml(config), { mode: 0o600 });
    const cp1 = nodes.get('cp1')!;
    await kubectl(cp1, ['-n', 'kube-system', 'delete', 'secret', 'kubeadm-certs']);
    const missing = await boot(node, ['phase', 'control-plane-prepare/download-certs']);
    expect(missing.code).not.toBe(0);
    expect(missing.stdout + missing.stderr).toContain('Secret "kubeadm-certs" was not found in the "kube-system" Namespace');
    expect(existsSync(join(node.root, 'etc/kubernetes/pki/ca.key'))).toBe(false);
    const upload = await boot(cp1, ['phase', 'upload-certs']);
    expect(upload.code, upload.stderr).toBe(0);
    const again = await boot(node, ['phase', 'control-plane-prepare/download-certs']);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(readFileSync(join(node.root, 'etc/kubernetes/pki/ca.key'), 'utf8')).toBe(readFileSync(join(cp1.root, 'etc/kubernetes/pki/ca.key'), 'utf8'));
  }, 300_000);

  it('refuses to join under the name of a Node that is already Ready, before writing anything', async () => {
    const node = await addNode('dup', readFileSync(join(dist, 'nodes', 'w1', 'node.yaml'), 'utf8'));
    const r = await boot(node, ['run']);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain('a Node with name "w1" and status "Ready" already exists in the cluster');
    for (const f of ['etc/kubernetes/bootstrap-kubelet.conf', 'var/lib/kubelet/config.yaml', 'var/lib/kubelet/kubeadm-flags.env']) {
      expect(existsSync(join(node.root, f)), f).toBe(false);
    }
    const record = JSON.parse((await boot(node, ['status', '--json'])).stdout);
    expect(record.phases).toContainEqual(expect.objectContaining({ phase: 'kubelet-start', outcome: 'failed' }));
    await node.services.stop('kubelet').catch(() => undefined);
  }, 300_000);

  it('keeps serving through the load balancer with the init node down, and a new worker still joins', async () => {
    const cp1 = nodes.get('cp1')!;
    // The test kubelet stops its static pods with it: cp1's etcd and API server go away.
    await cp1.services.stop('kubelet');
    await waitUntil('cp1 API server to stop', async () => ((await cp1.exec('curl', ['-sk', '--max-time', '2', `https://${ADDRESSES.cp1}:6443/livez`])).code !== 0 ? true : undefined), 60_000);
    const cp2 = nodes.get('cp2')!;
    const names = await waitUntil('the API through the load balancer', async () => {
      const list = JSON.parse(await kubectl(cp2, ['get', 'nodes', '-o', 'json'])) as { items: Array<{ metadata: { name: string } }> };
      return list.items.map((n) => n.metadata.name);
    }, 60_000);
    expect(names).toContain('cp2');
    const node = await addNode('w4', readFileSync(join(dist, 'nodes', 'w4', 'node.yaml'), 'utf8'));
    const r = await boot(node, ['run']);
    expect(r.code, `${r.stdout}\n${r.stderr}\n${nodeLogs('w4')}`).toBe(0);
    const w4 = await waitUntil('Node w4', async () => JSON.parse(await kubectl(cp2, ['get', 'node', 'w4', '-o', 'json'])), 60_000);
    expect(w4.metadata.name).toBe('w4');
  }, 400_000);
});
