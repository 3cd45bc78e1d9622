// Kubelet TLS bootstrap against the test control plane. A control-plane node (hand-written kubeadm
// files, kubeadm-fixture.ts) runs etcd, the test kube-apiserver, kube-controller-manager and
// kube-scheduler as static pods under its test kubelet; a load balancer fronts it; a worker node gets
// only what `kubeadm join` gives it (bootstrap-kubelet.conf with a bootstrap token, ca.crt,
// config.yaml, kubeadm-flags.env). Its CSR stays pending until the test adds kubeadm's auto-approve
// binding; then the controller-manager approves and signs it. Every request and file is checked
// against upstream's shapes.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toYamlDocuments } from '../../src/yaml.js';
import { kubeconfig, writeControlPlaneNode, writeKubeletFiles, writeNodeFile, type ControlPlaneFixture } from './kubeadm-fixture.js';
import { startLoadBalancer } from './load-balancer.js';
import { createFabric, destroyFabric, type Fabric } from './netns.js';
import { createTestNode, type TestNode } from './node.js';
import { HARNESS_PROGRAMS, buildClusterPrograms } from './build-programs.js';
import { sourceExists, waitFor } from './programs.js';

const API_SERVER_SOURCE = 'test/controlplane/kube-apiserver-main.ts';
const CONTROLLER_MANAGER_SOURCE = 'test/controlplane/kube-controller-manager-main.ts';
const TOKEN_ID = 'abcdef';
const TOKEN = `${TOKEN_ID}.0123456789abcdef`;
const LB = '10.99.0.2';

let fabric: Fabric;
let cp: TestNode;
let worker: TestNode;
let pki: ControlPlaneFixture;
const scratch = mkdtempSync(join(tmpdir(), 'kgen-tls-bootstrap-'));

async function kubectl(args: string[], input?: string): Promise<string> {
  const file = join(scratch, `in-${Math.random().toString(36).slice(2)}.yaml`);
  if (input !== undefined) writeFileSync(file, input);
  const r = await cp.exec('kubectl', ['--kubeconfig', join(cp.root, 'etc/kubernetes/super-admin.conf'), ...args, ...(input !== undefined ? ['-f', file] : [])], { timeoutMs: 20_000 });
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr.trim()}`);
  return r.stdout;
}

async function getJson(path: string): Promise<any> {
  return JSON.parse(await kubectl(['get', '--raw', path]));
}

async function kubeletCsrs(): Promise<any[]> {
  const list = await getJson('/apis/certificates.k8s.io/v1/certificatesigningrequests');
  return list.items.filter((c: any) => c.spec.signerName === 'kubernetes.io/kube-apiserver-client-kubelet');
}

const haveControlPlane = sourceExists(API_SERVER_SOURCE) && sourceExists(CONTROLLER_MANAGER_SOURCE);

describe.skipIf(!haveControlPlane)(`kubelet TLS bootstrap (needs ${API_SERVER_SOURCE} and ${CONTROLLER_MANAGER_SOURCE})`, () => {
  beforeAll(async () => {
    await buildClusterPrograms([...HARNESS_PROGRAMS, API_SERVER_SOURCE, CONTROLLER_MANAGER_SOURCE]);
    fabric = await createFabric();
    cp = await createTestNode(fabric, { name: 'cp1', address: '10.99.0.11' });
    worker = await createTestNode(fabric, { name: 'w1', address: '10.99.0.21' });
    pki = writeControlPlaneNode(cp.root, { name: 'cp1', address: cp.net.address, endpointAddress: LB });
    await startLoadBalancer(fabric, { address: LB, backends: [cp.net.address] });
    await cp.services.restart('kubelet');
    await waitFor('the API server to be ready', async () => ((await kubectl(['get', '--raw', '/readyz'])) === 'ok' ? true : undefined), 90_000, 1_000);
    const expiration = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    // --validate=false: the test API server serves no OpenAPI document for kubectl's client-side validation.
    await kubectl(['apply', '--validate=false'], toYamlDocuments([
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
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'kubeadm:kubelet-bootstrap' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:node-bootstrapper' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:bootstrappers:kubeadm:default-node-token' }],
      },
    ]));
    // What `kubeadm join` leaves on a worker before it starts the kubelet.
    writeNodeFile(worker.root, '/etc/kubernetes/pki/ca.crt', pki.ca.cert);
    writeNodeFile(worker.root, '/etc/kubernetes/bootstrap-kubelet.conf', kubeconfig(`https://${LB}:6443`, pki.ca.cert, 'tls-bootstrap-token-user', { token: TOKEN }), 0o600);
    writeKubeletFiles(worker.root, [
      '--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock',
      `--node-ip=${worker.net.address}`,
      '--node-labels=kgen.dev/pool=blue',
      '--register-with-taints=dedicated=test:NoSchedule',
    ]);
    await worker.services.restart('kubelet');
  }, 240_000);

  afterAll(async () => {
    await worker?.services.stop('kubelet');
    await cp?.services.stop('kubelet');
    if (fabric) await destroyFabric(fabric);
    rmSync(scratch, { recursive: true, force: true });
    cp?.remove();
    worker?.remove();
  });

  it('registers the control-plane node with its kubeadm-issued kubelet.conf', async () => {
    const node = await waitFor('Node cp1', async () => getJson('/api/v1/nodes/cp1').catch(() => undefined), 60_000, 1_000);
    expect(node.metadata.labels['kubernetes.io/hostname']).toBe('cp1');
  });

  it('sends a CSR shaped like the real kubelet’s, authenticated as the bootstrap token', async () => {
    const [csr] = await waitFor('the worker CSR', async () => ((await kubeletCsrs()).some((c) => c.spec.username === `system:bootstrap:${TOKEN_ID}`) ? kubeletCsrs() : undefined), 60_000, 1_000);
    expect(csr.metadata.name).toMatch(/^node-csr-[A-Za-z0-9_-]{43}$/);
    expect(csr.spec.usages).toEqual(['digital signature', 'client auth']);
    expect(csr.spec.groups).toEqual(expect.arrayContaining(['system:bootstrappers', 'system:bootstrappers:kubeadm:default-node-token', 'system:authenticated']));
    const text = execFileSync('openssl', ['req', '-noout', '-verify', '-text'], { input: Buffer.from(csr.spec.request, 'base64'), stdio: ['pipe', 'pipe', 'pipe'] }).toString();
    expect(text).toMatch(/Subject: O\s?=\s?system:nodes, CN\s?=\s?system:node:w1/);
    expect(text).toContain('ASN1 OID: prime256v1');
    // Nothing may approve it yet: the kubelet waits with its key cached and no kubelet.conf.
    expect(csr.status?.conditions ?? []).toEqual([]);
    expect(existsSync(join(worker.root, 'var/lib/kubelet/pki/kubelet-client.key.tmp'))).toBe(true);
    expect(existsSync(join(worker.root, 'etc/kubernetes/kubelet.conf'))).toBe(false);
    await kubectl(['apply', '--validate=false'], toYamlDocuments([{
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'kubeadm:node-autoapprove-bootstrap' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:certificates.k8s.io:certificatesigningrequests:nodeclient' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:bootstrappers:kubeadm:default-node-token' }],
    }]));
    const approved = await waitFor('the controller-manager to approve and sign the CSR', async () => {
      const c = await getJson(`/apis/certificates.k8s.io/v1/certificatesigningrequests/${csr.metadata.name}`);
      return c.status?.certificate ? c : undefined;
    }, 60_000, 1_000);
    expect(approved.status.conditions).toEqual([expect.objectContaining({ type: 'Approved', status: 'True', reason: 'AutoApproved' })]);
  });

  it('stores the issued pair as upstream does and writes kubelet.conf pointing at it', async () => {
    const pkiDir = join(worker.root, 'var/lib/kubelet/pki');
    await waitFor('kubelet.conf', async () => (existsSync(join(worker.root, 'etc/kubernetes/kubelet.conf')) ? true : undefined), 60_000);
    const current = join(pkiDir, 'kubelet-client-current.pem');
    expect(lstatSync(current).isSymbolicLink()).toBe(true);
    expect(readlinkSync(current)).toMatch(/^kubelet-client-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}\.pem$/);
    expect(statSync(current).mode & 0o777).toBe(0o600);
    expect(readdirSync(pkiDir)).not.toContain('kubelet-client.key.tmp');
    const pem = readFileSync(current, 'utf8');
    expect(pem).toMatch(/^-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----\n-----BEGIN EC PRIVATE KEY-----[\s\S]+-----END EC PRIVATE KEY-----\n$/);
    const cert = new X509Certificate(pem);
    expect(cert.subject).toBe('O=system:nodes\nCN=system:node:w1');
    expect(cert.verify(new X509Certificate(pki.ca.cert).publicKey)).toBe(true);
    const conf = parse(readFileSync(join(worker.root, 'etc/kubernetes/kubelet.conf'), 'utf8'));
    expect(conf).toMatchObject({
      'current-context': 'default-context',
      clusters: [{ name: 'default-cluster', cluster: { server: `https://${LB}:6443`, 'certificate-authority-data': Buffer.from(pki.ca.cert).toString('base64') } }],
      contexts: [{ name: 'default-context', context: { cluster: 'default-cluster', namespace: 'default', user: 'default-auth' } }],
      users: [{ name: 'default-auth', user: { 'client-certificate': '/var/lib/kubelet/pki/kubelet-client-current.pem', 'client-key': '/var/lib/kubelet/pki/kubelet-client-current.pem' } }],
    });
  });

  it('registers the worker Node with its labels, taints and address, Ready, with a Lease', async () => {
    const node = await waitFor('Node w1 Ready', async () => {
      const n = await getJson('/api/v1/nodes/w1').catch(() => undefined);
      return n?.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True') ? n : undefined;
    }, 60_000, 1_000);
    expect(node.metadata.labels).toMatchObject({ 'kgen.dev/pool': 'blue', 'kubernetes.io/hostname': 'w1', 'kubernetes.io/os': 'linux' });
    expect(node.spec.taints).toEqual([{ key: 'dedicated', value: 'test', effect: 'NoSchedule' }]);
    expect(node.status.addresses).toContainEqual({ type: 'InternalIP', address: '10.99.0.21' });
    const lease = await waitFor('Lease w1', async () => getJson('/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/w1').catch(() => undefined), 30_000, 1_000);
    expect(lease.spec.holderIdentity).toBe('w1');
    expect(lease.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Node', name: 'w1', uid: node.metadata.uid })]);
    await waitFor('the Lease to be renewed', async () => {
      const l = await getJson('/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/w1');
      return l.spec.renewTime !== lease.spec.renewTime ? true : undefined;
    }, 30_000, 1_000);
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
    await worker.services.restart('kubelet');
    await waitFor('the restarted kubelet to skip bootstrap', async () =>
      (readFileSync(join(worker.root, 'var/log/kubelet.log'), 'utf8').match(/skipping bootstrap/g)?.length === 1 ? true : undefined), 30_000);
    expect((await kubeletCsrs()).filter((c) => c.spec.username === `system:bootstrap:${TOKEN_ID}`)).toHaveLength(1);
  });
});
