// The test kubelet's static pod runner against real etcd, started the way a kgen node starts it: the
// test service manager resolves kubeadm's drop-in and kubeadm-flags.env, runs the kubelet in the node's
// namespace, the kubelet reads config.yaml and kubelet.conf (an init node's: valid client certificate,
// API server not up yet) and runs etcd from a kubeadm-shaped manifest with paths rewritten under the root.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toYaml } from '../../src/yaml.js';
import { createFabric, destroyFabric, run, type Fabric } from './netns.js';
import { etcdManifest } from './kubeadm-fixture.js';
import { createTestNode, type TestNode } from './node.js';
import { buildClusterPrograms } from './build-programs.js';
import { waitFor } from './programs.js';
import { makeCA, makeLeaf, type Pem } from './test-pki.js';

const IP = '10.99.0.11';
let fabric: Fabric;
let node: TestNode;
let etcdCA: Pem;

function write(path: string, data: string, mode = 0o644): void {
  mkdirSync(join(node.root, path, '..'), { recursive: true });
  writeFileSync(join(node.root, path), data, { mode });
}

function etcdYaml(extra: string[] = []): string {
  return toYaml(etcdManifest('n1', IP, extra));
}

async function etcdHealth(endpoint: string): Promise<{ code: number; out: string }> {
  const pki = join(node.root, 'etc/kubernetes/pki/etcd');
  const r = await node.exec('etcdctl', [`--endpoints=${endpoint}`, `--cacert=${pki}/ca.crt`, `--cert=${pki}/healthcheck-client.crt`,
    `--key=${pki}/healthcheck-client.key`, '--command-timeout=3s', 'endpoint', 'health'], { timeoutMs: 10_000 });
  return { code: r.code, out: r.stdout + r.stderr };
}

function podLog(name: string): string {
  const path = join(node.root, 'var/log/pods', `${name}.log`);
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

/** pids in the node's namespace whose command line contains `needle`. */
async function processesIn(needle: string): Promise<number[]> {
  const pids = (await run('ip', ['netns', 'pids', node.net.ns])).stdout.split(/\s+/).filter(Boolean).map(Number);
  return pids.filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(needle);
    } catch {
      return false;
    }
  });
}

const starts = (log: string) => log.split('\n').filter((l) => l.startsWith('[kubelet]') && l.includes(' starting ')).length;

beforeAll(async () => {
  await buildClusterPrograms();
  fabric = await createFabric();
  node = await createTestNode(fabric, { name: 'n1', address: IP });
  etcdCA = makeCA('etcd-ca');
  const server = makeLeaf(etcdCA, { subject: '/CN=n1', sans: ['DNS:n1', 'DNS:localhost', `IP:${IP}`, 'IP:127.0.0.1'], usages: ['serverAuth', 'clientAuth'] });
  const peer = makeLeaf(etcdCA, { subject: '/CN=n1', sans: ['DNS:n1', 'DNS:localhost', `IP:${IP}`, 'IP:127.0.0.1'], usages: ['serverAuth', 'clientAuth'] });
  const check = makeLeaf(etcdCA, { subject: '/CN=kube-etcd-healthcheck-client', usages: ['clientAuth'] });
  write('etc/kubernetes/pki/etcd/ca.crt', etcdCA.cert);
  write('etc/kubernetes/pki/etcd/ca.key', etcdCA.key, 0o600);
  for (const [name, pair] of Object.entries({ server, peer, 'healthcheck-client': check })) {
    write(`etc/kubernetes/pki/etcd/${name}.crt`, pair.cert);
    write(`etc/kubernetes/pki/etcd/${name}.key`, pair.key, 0o600);
  }
  // An init node's kubelet files: kubelet.conf with an embedded client certificate, API not up yet.
  const ca = makeCA('kubernetes');
  const kubelet = makeLeaf(ca, { subject: '/O=system:nodes/CN=system:node:n1', usages: ['clientAuth'] });
  write('etc/kubernetes/pki/ca.crt', ca.cert);
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  write('etc/kubernetes/kubelet.conf', toYaml({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'kubernetes', cluster: { 'certificate-authority-data': b64(ca.cert), server: `https://${IP}:6443` } }],
    contexts: [{ name: 'system:node:n1@kubernetes', context: { cluster: 'kubernetes', user: 'system:node:n1' } }],
    'current-context': 'system:node:n1@kubernetes',
    users: [{ name: 'system:node:n1', user: { 'client-certificate-data': b64(kubelet.cert), 'client-key-data': b64(kubelet.key) } }],
  }), 0o600);
  write('var/lib/kubelet/config.yaml', toYaml({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    authentication: { x509: { clientCAFile: '/etc/kubernetes/pki/ca.crt' } },
    rotateCertificates: true,
    staticPodPath: '/etc/kubernetes/manifests',
  }));
  write('var/lib/kubelet/kubeadm-flags.env', `KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock --node-ip=${IP}"\n`);
  write('etc/kubernetes/manifests/etcd.yaml', etcdYaml());
  await node.services.restart('kubelet');
});

afterAll(async () => {
  await node?.services.stop('kubelet');
  if (fabric) await destroyFabric(fabric);
  node?.remove();
});

describe('test kubelet static pods', () => {
  it('starts etcd from the kubeadm manifest with paths under the node root, reachable inside the netns', async () => {
    await waitFor('etcd to be healthy on the node address', async () => ((await etcdHealth(`https://${IP}:2379`)).code === 0 ? true : undefined), 60_000);
    expect((await etcdHealth('https://127.0.0.1:2379')).code).toBe(0);
    const log = podLog('etcd');
    expect(log).toContain(`--cert-file=${node.root}/etc/kubernetes/pki/etcd/server.crt`);
    expect(log).toContain(`--data-dir=${node.root}/var/lib/etcd`);
    expect(log).toContain('--experimental-initial-corrupt-check=true');
    expect(log).toContain('--experimental-watch-progress-notify-interval=5s');
    expect(existsSync(join(node.root, 'var/lib/etcd/member'))).toBe(true);
  });

  it('is not reachable from the host namespace (etcd listens only inside the node)', async () => {
    const pki = join(node.root, 'etc/kubernetes/pki/etcd');
    const r = await run('etcdctl', ['--endpoints=https://127.0.0.1:2379', `--cacert=${pki}/ca.crt`, `--cert=${pki}/healthcheck-client.crt`,
      `--key=${pki}/healthcheck-client.key`, '--dial-timeout=1s', '--command-timeout=2s', 'endpoint', 'health'], { timeoutMs: 10_000 });
    expect(r.code).not.toBe(0);
  });

  it('serves the kubelet healthz endpoint on the node loopback', async () => {
    const r = await node.exec('curl', ['-sf', 'http://127.0.0.1:10248/healthz']);
    expect(r.stdout).toBe('ok');
  });

  it('restarts the pod when its manifest changes', async () => {
    expect(starts(podLog('etcd'))).toBe(1);
    write('etc/kubernetes/manifests/etcd.yaml', etcdYaml(['--quota-backend-bytes=4294967296']));
    await waitFor('etcd to be restarted', async () => (starts(podLog('etcd')) === 2 ? true : undefined), 30_000);
    expect(podLog('etcd')).toContain('--quota-backend-bytes=4294967296');
    await waitFor('etcd to be healthy again', async () => ((await etcdHealth(`https://${IP}:2379`)).code === 0 ? true : undefined), 60_000);
  });

  it('refuses a manifest whose flags name paths outside every volume mount', async () => {
    write('etc/kubernetes/manifests/etcd.yaml', etcdYaml().replace('mountPath: /etc/kubernetes/pki/etcd', 'mountPath: /etc/kubernetes/pki/wrong'));
    await waitFor('the manifest to be rejected', async () => (/rejected: .*--cert-file names \/etc\/kubernetes\/pki\/etcd\/server\.crt, which no volumeMount/.test(podLog('etcd')) ? true : undefined), 30_000);
    await waitFor('etcd to be down', async () => ((await etcdHealth(`https://${IP}:2379`)).code !== 0 ? true : undefined), 30_000);
  });

  it('runs the pod again from a corrected manifest and stops it when the manifest is removed', async () => {
    write('etc/kubernetes/manifests/etcd.yaml', etcdYaml());
    await waitFor('etcd to be healthy', async () => ((await etcdHealth(`https://${IP}:2379`)).code === 0 ? true : undefined), 60_000);
    rmSync(join(node.root, 'etc/kubernetes/manifests/etcd.yaml'));
    await waitFor('etcd to be stopped', async () => (podLog('etcd').trimEnd().endsWith('stopped') ? true : undefined), 30_000);
    expect((await etcdHealth(`https://${IP}:2379`)).code).not.toBe(0);
  });

  it('keeps retrying the node registration while the API server is down, without crashing', async () => {
    expect(await node.services.isActive('kubelet')).toBe(true);
    const log = readFileSync(join(node.root, 'var/log/kubelet.log'), 'utf8');
    expect(log.match(/kubelet: node name n1$/gm)).toHaveLength(1);
    expect(log).toMatch(/node status update failed: .*(ECONNREFUSED|EHOSTUNREACH)/);
  });

  it('takes the pods down with a crashed kubelet and lets the restarted kubelet run them again', async () => {
    write('etc/kubernetes/manifests/etcd.yaml', etcdYaml());
    await waitFor('etcd to be healthy', async () => ((await etcdHealth(`https://${IP}:2379`)).code === 0 ? true : undefined), 60_000);
    const [kubelet] = await processesIn('/kubelet.mjs');
    const [etcd] = await processesIn('/usr/bin/etcd');
    process.kill(kubelet!, 'SIGKILL');
    await waitFor('a new etcd under the restarted kubelet', async () => {
      const now = await processesIn('/usr/bin/etcd');
      return now.length === 1 && now[0] !== etcd ? true : undefined;
    }, 60_000);
    await waitFor('etcd to be healthy again', async () => ((await etcdHealth(`https://${IP}:2379`)).code === 0 ? true : undefined), 60_000);
    expect(await processesIn('/kubelet.mjs')).not.toContain(kubelet);
  }, 150_000);
});
