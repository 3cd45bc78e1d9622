// Kubelet TLS bootstrap against the test control plane. A control-plane node (hand-written kubeadm
// files, kubeadm-fixture.ts) runs etcd, the test kube-apiserver, kube-controller-manager and
// kube-scheduler as static pods under its test kubelet; a load balancer fronts it. Two workers get only
// what `kubeadm join` gives them (bootstrap-kubelet.conf with a bootstrap token, ca.crt, config.yaml,
// kubeadm-flags.env): w1 with rotateCertificates: true (what kubeadm and kgen write: certificate manager,
// CSR csr-*), w2 with false (blocking bootstrap, CSR node-csr-<digest>) and no --node-ip (the kubelet
// finds its address itself). Their CSRs stay pending until
// the test adds kubeadm's auto-approve binding; then the controller-manager approves and signs them.
// The init node's embedded certificate is rotated out once kubeadm's rotation binding exists.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toYamlDocuments } from '../../src/yaml.js';
import { HARNESS_PROGRAMS, buildClusterPrograms } from './build-programs.js';
import { kubeconfig, writeControlPlaneNode, writeKubeletFiles, writeNodeFile, type ControlPlaneFixture } from './kubeadm-fixture.js';
import { startLoadBalancer } from './load-balancer.js';
import { createFabric, destroyFabric, type Fabric } from './netns.js';
import { createTestNode, type TestNode } from './node.js';
import { sourceExists, waitFor } from './programs.js';

const API_SERVER_SOURCE = 'test/controlplane/kube-apiserver-main.ts';
const CONTROLLER_MANAGER_SOURCE = 'test/controlplane/kube-controller-manager-main.ts';
const TOKEN_ID = 'abcdef';
const TOKEN = `${TOKEN_ID}.0123456789abcdef`;
const LB = '10.99.0.2';
const PAIR = 'var/lib/kubelet/pki/kubelet-client-current.pem';

let fabric: Fabric;
let cp: TestNode;
let w1: TestNode;
let w2: TestNode;
let pki: ControlPlaneFixture;
const scratch = mkdtempSync(join(tmpdir(), 'kgen-tls-bootstrap-'));

async function kubectl(args: string[], input?: string): Promise<string> {
  const file = join(scratch, `in-${Math.random().toString(36).slice(2)}.yaml`);
  if (input !== undefined) writeFileSync(file, input);
  const r = await cp.exec('kubectl', ['--kubeconfig', join(cp.root, 'etc/kubernetes/super-admin.conf'), ...args, ...(input !== undefined ? ['-f', file] : [])], { timeoutMs: 20_000 });
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** kubectl apply; --validate=false: the test API server serves no OpenAPI document for client-side validation. */
const apply = (objects: unknown[]) => kubectl(['apply', '--validate=false'], toYamlDocuments(objects));

async function getJson(path: string): Promise<any> {
  return JSON.parse(await kubectl(['get', '--raw', path]));
}

async function csrsBy(username: string): Promise<any[]> {
  const list = await getJson('/apis/certificates.k8s.io/v1/certificatesigningrequests');
  return list.items.filter((c: any) => c.spec.signerName === 'kubernetes.io/kube-apiserver-client-kubelet' && c.spec.username === username);
}

function clusterRoleBinding(name: string, clusterRole: string, group: string): unknown {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRole },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: group }],
  };
}

/** What `kubeadm join` leaves on a worker before it starts the kubelet (with or without --node-ip). */
function writeJoinFiles(node: TestNode, o: { rotateCertificates: boolean; nodeIPFlag: boolean }): void {
  writeNodeFile(node.root, '/etc/kubernetes/pki/ca.crt', pki.ca.cert);
  writeNodeFile(node.root, '/etc/kubernetes/bootstrap-kubelet.conf', kubeconfig(`https://${LB}:6443`, pki.ca.cert, 'tls-bootstrap-token-user', { token: TOKEN }), 0o600);
  writeKubeletFiles(node.root, [
    '--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock',
    ...(o.nodeIPFlag ? [`--node-ip=${node.net.address}`] : []),
    '--node-labels=kgen.dev/pool=blue',
    '--register-with-taints=dedicated=test:NoSchedule',
  ], { rotateCertificates: o.rotateCertificates });
}

function expectCsrShape(csr: any, node: string): void {
  expect(csr.spec.usages).toEqual(['digital signature', 'client auth']);
  expect(csr.spec.groups).toEqual(expect.arrayContaining(['system:bootstrappers', 'system:bootstrappers:kubeadm:default-node-token', 'system:authenticated']));
  const text = execFileSync('openssl', ['req', '-noout', '-verify', '-text'], { input: Buffer.from(csr.spec.request, 'base64'), stdio: ['pipe', 'pipe', 'pipe'] }).toString();
  expect(text).toMatch(new RegExp(`Subject: O\\s?=\\s?system:nodes, CN\\s?=\\s?system:node:${node}`));
  expect(text).toContain('ASN1 OID: prime256v1');
  expect(csr.status?.conditions ?? []).toEqual([]);
}

/**
 * The store's current pair: a relative symlink to kubelet-client-<timestamp>.pem, 0600, certificate then
 * key (SEC1 "EC PRIVATE KEY" when the kubelet made it; as given when seeded from a kubeconfig), signed by the CA.
 */
function expectStoredPair(node: TestNode, keyLabel = 'EC PRIVATE KEY'): X509Certificate {
  const current = join(node.root, PAIR);
  expect(lstatSync(current).isSymbolicLink()).toBe(true);
  expect(readlinkSync(current)).toMatch(/^kubelet-client-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}\.pem$/);
  expect(statSync(current).mode & 0o777).toBe(0o600);
  const pem = readFileSync(current, 'utf8');
  expect(pem).toMatch(new RegExp(`^-----BEGIN CERTIFICATE-----[\\s\\S]+-----END CERTIFICATE-----\\n-----BEGIN ${keyLabel}-----[\\s\\S]+-----END ${keyLabel}-----\\n$`));
  const cert = new X509Certificate(pem);
  expect(cert.subject).toBe(`O=system:nodes\nCN=system:node:${node.name}`);
  expect(cert.verify(new X509Certificate(pki.ca.cert).publicKey)).toBe(true);
  return cert;
}

/** kubelet.conf as upstream's writeKubeconfigFromBootstrapping writes it. */
function expectBootstrappedKubeconfig(node: TestNode): void {
  const conf = parse(readFileSync(join(node.root, 'etc/kubernetes/kubelet.conf'), 'utf8'));
  expect(conf).toMatchObject({
    'current-context': 'default-context',
    clusters: [{ name: 'default-cluster', cluster: { server: `https://${LB}:6443`, 'certificate-authority-data': Buffer.from(pki.ca.cert).toString('base64') } }],
    contexts: [{ name: 'default-context', context: { cluster: 'default-cluster', namespace: 'default', user: 'default-auth' } }],
    users: [{ name: 'default-auth', user: { 'client-certificate': `/${PAIR}`, 'client-key': `/${PAIR}` } }],
  });
}

const haveControlPlane = sourceExists(API_SERVER_SOURCE) && sourceExists(CONTROLLER_MANAGER_SOURCE);

describe.skipIf(!haveControlPlane)(`kubelet TLS bootstrap (needs ${API_SERVER_SOURCE} and ${CONTROLLER_MANAGER_SOURCE})`, () => {
  beforeAll(async () => {
    await buildClusterPrograms([...HARNESS_PROGRAMS, API_SERVER_SOURCE, CONTROLLER_MANAGER_SOURCE]);
    fabric = await createFabric();
    cp = await createTestNode(fabric, { name: 'cp1', address: '10.99.0.11' });
    w1 = await createTestNode(fabric, { name: 'w1', address: '10.99.0.21' });
    w2 = await createTestNode(fabric, { name: 'w2', address: '10.99.0.22' });
    pki = writeControlPlaneNode(cp.root, { name: 'cp1', address: cp.net.address, endpointAddress: LB });
    await startLoadBalancer(fabric, { address: LB, backends: [cp.net.address] });
    await cp.services.restart('kubelet');
    await waitFor('the API server to be ready', async () => ((await kubectl(['get', '--raw', '/readyz'])) === 'ok' ? true : undefined), 90_000, 1_000);
    const expiration = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    await apply([
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: `bootstrap-token-${TOKEN_ID}`, namespace: 'kube-system' },
        type: 'bootstrap.kubernetes.io/token',
        stringData: {
          'token-id': TOKEN_ID,
          'token-secret': TOKEN.split('.')[1],
          expiration,
          'usage-bootstrap-authentication': 'true',
          'usage-bootstrap-signing': 'true',
          'auth-extra-groups': 'system:bootstrappers:kubeadm:default-node-token',
        },
      },
      clusterRoleBinding('kubeadm:kubelet-bootstrap', 'system:node-bootstrapper', 'system:bootstrappers:kubeadm:default-node-token'),
    ]);
    writeJoinFiles(w1, { rotateCertificates: true, nodeIPFlag: true });
    writeJoinFiles(w2, { rotateCertificates: false, nodeIPFlag: false });
    await w1.services.restart('kubelet');
    await w2.services.restart('kubelet');
  }, 240_000);

  afterAll(async () => {
    for (const node of [w1, w2, cp]) await node?.services.stop('kubelet');
    if (fabric) await destroyFabric(fabric);
    rmSync(scratch, { recursive: true, force: true });
    for (const node of [w1, w2, cp]) node?.remove();
  });

  it('registers the control-plane node with its kubeadm-issued kubelet.conf and seeds the store with that certificate', async () => {
    const node = await waitFor('Node cp1', async () => getJson('/api/v1/nodes/cp1').catch(() => undefined), 60_000, 1_000);
    expect(node.metadata.labels['kubernetes.io/hostname']).toBe('cp1');
    const conf = parse(readFileSync(join(cp.root, 'etc/kubernetes/kubelet.conf'), 'utf8'));
    const embedded = new X509Certificate(Buffer.from(conf.users[0].user['client-certificate-data'], 'base64'));
    await waitFor('cp1\'s store', async () => (existsSync(join(cp.root, PAIR)) ? true : undefined), 30_000);
    expect(expectStoredPair(cp, 'PRIVATE KEY').serialNumber).toBe(embedded.serialNumber);
  });

  it('rotation on (kubeadm\'s setting): writes kubelet.conf at once and requests csr-* with the bootstrap token', async () => {
    const csr = await waitFor('the w1 CSR', async () => (await csrsBy(`system:bootstrap:${TOKEN_ID}`)).find((c) => parseCN(c) === 'system:node:w1'), 60_000, 1_000);
    expect(csr.metadata.name).toMatch(/^csr-[a-z0-9]+$/);
    expectCsrShape(csr, 'w1');
    expectBootstrappedKubeconfig(w1);
    expect(existsSync(join(w1.root, PAIR))).toBe(false);
  });

  it('rotation off: blocks on a node-csr-<digest> request with its key cached, no kubelet.conf yet', async () => {
    const csr = await waitFor('the w2 CSR', async () => (await csrsBy(`system:bootstrap:${TOKEN_ID}`)).find((c) => parseCN(c) === 'system:node:w2'), 60_000, 1_000);
    expect(csr.metadata.name).toMatch(/^node-csr-[A-Za-z0-9_-]{43}$/);
    expectCsrShape(csr, 'w2');
    expect(existsSync(join(w2.root, 'var/lib/kubelet/pki/kubelet-client.key.tmp'))).toBe(true);
    expect(existsSync(join(w2.root, 'etc/kubernetes/kubelet.conf'))).toBe(false);
  });

  it('gets both workers certified once kubeadm\'s auto-approve binding exists', async () => {
    await apply([clusterRoleBinding('kubeadm:node-autoapprove-bootstrap', 'system:certificates.k8s.io:certificatesigningrequests:nodeclient', 'system:bootstrappers:kubeadm:default-node-token')]);
    for (const node of [w1, w2]) {
      await waitFor(`${node.name}'s certificate`, async () => (existsSync(join(node.root, PAIR)) && existsSync(join(node.root, 'etc/kubernetes/kubelet.conf')) ? true : undefined), 60_000);
      expectStoredPair(node);
      expectBootstrappedKubeconfig(node);
      expect(readdirSync(join(node.root, 'var/lib/kubelet/pki'))).not.toContain('kubelet-client.key.tmp');
    }
    for (const csr of await csrsBy(`system:bootstrap:${TOKEN_ID}`)) {
      expect(csr.status.conditions).toEqual([expect.objectContaining({ type: 'Approved', status: 'True', reason: 'AutoApproved' })]);
    }
  });

  it('registers the worker Nodes with their labels, taints and addresses (w2 found its own), Ready, with Leases', async () => {
    for (const name of ['w1', 'w2']) {
      const node = await waitFor(`Node ${name} Ready`, async () => {
        const n = await getJson(`/api/v1/nodes/${name}`).catch(() => undefined);
        return n?.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True') ? n : undefined;
      }, 60_000, 1_000);
      expect(node.metadata.labels).toMatchObject({ 'kgen.dev/pool': 'blue', 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux' });
      expect(node.spec.taints).toEqual([{ key: 'dedicated', value: 'test', effect: 'NoSchedule' }]);
      expect(node.status.addresses).toContainEqual({ type: 'InternalIP', address: name === 'w1' ? '10.99.0.21' : '10.99.0.22' });
      const lease = await waitFor(`Lease ${name}`, async () => getJson(`/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${name}`).catch(() => undefined), 30_000, 1_000);
      expect(lease.spec.holderIdentity).toBe(name);
      expect(lease.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Node', name, uid: node.metadata.uid })]);
      await waitFor(`Lease ${name} to be renewed`, async () => {
        const l = await getJson(`/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${name}`);
        return l.spec.renewTime !== lease.spec.renewTime ? true : undefined;
      }, 30_000, 1_000);
    }
  });

  it('rotates the init node\'s embedded certificate out once kubeadm\'s rotation binding exists', async () => {
    const embedded = new X509Certificate(readFileSync(join(cp.root, PAIR), 'utf8'));
    await apply([clusterRoleBinding('kubeadm:node-autoapprove-certificate-rotation', 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', 'system:nodes')]);
    await waitFor('a rotated cp1 certificate', async () => (new X509Certificate(readFileSync(join(cp.root, PAIR), 'utf8')).serialNumber !== embedded.serialNumber ? true : undefined), 60_000, 1_000);
    expectStoredPair(cp);
    const [csr] = await csrsBy('system:node:cp1');
    expect(csr.metadata.name).toMatch(/^csr-/);
    expect(csr.status.conditions).toEqual([expect.objectContaining({ type: 'Approved', reason: 'AutoApproved' })]);
  });

  it('publishes the control plane\'s static pods as mirror pods kubeadm can read', async () => {
    const pods = await waitFor('four Running mirror pods on cp1', async () => {
      const list = await getJson('/api/v1/namespaces/kube-system/pods');
      const running = list.items.filter((p: any) => p.spec.nodeName === 'cp1' && p.status?.phase === 'Running');
      return running.length === 4 ? running : undefined;
    }, 60_000, 1_000);
    expect(pods.map((p: any) => p.metadata.name).sort()).toEqual(['etcd-cp1', 'kube-apiserver-cp1', 'kube-controller-manager-cp1', 'kube-scheduler-cp1']);
    const etcd = pods.find((p: any) => p.metadata.name === 'etcd-cp1');
    expect(etcd.metadata.annotations).toMatchObject({
      'kubeadm.kubernetes.io/etcd.advertise-client-urls': 'https://10.99.0.11:2379',
      'kubernetes.io/config.source': 'file',
      'kubernetes.io/config.mirror': etcd.metadata.annotations['kubernetes.io/config.hash'],
    });
    expect(etcd.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Node', name: 'cp1', controller: true })]);
    expect(etcd.status.podIP).toBe('10.99.0.11');
  });

  it('runs the scheduler from its manifest, serving its secure health endpoint on the node loopback', async () => {
    const r = await waitFor('kube-scheduler /livez', async () => {
      const out = await cp.exec('curl', ['-sk', 'https://127.0.0.1:10259/livez']);
      return out.stdout === 'ok' ? out : undefined;
    }, 30_000, 1_000);
    expect(r.stdout).toBe('ok');
  });

  it('reuses its certificate after a restart instead of bootstrapping again', async () => {
    const before = (await csrsBy(`system:bootstrap:${TOKEN_ID}`)).length;
    const serial = new X509Certificate(readFileSync(join(w1.root, PAIR), 'utf8')).serialNumber;
    await w1.services.restart('kubelet');
    await waitFor('the restarted kubelet to skip bootstrap', async () =>
      (readFileSync(join(w1.root, 'var/log/kubelet.log'), 'utf8').match(/skipping bootstrap/g)?.length === 1 ? true : undefined), 30_000);
    expect(await csrsBy(`system:bootstrap:${TOKEN_ID}`)).toHaveLength(before);
    expect(new X509Certificate(readFileSync(join(w1.root, PAIR), 'utf8')).serialNumber).toBe(serial);
  });
});

/** The CN in a CSR's request. */
function parseCN(csr: any): string | undefined {
  const text = execFileSync('openssl', ['req', '-noout', '-subject'], { input: Buffer.from(csr.spec.request, 'base64') }).toString();
  return /CN\s?=\s?([^,\n]+)/.exec(text)?.[1]?.trim();
}
