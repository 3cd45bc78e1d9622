// kubectl (v1.32, a real client) driving the test API server the way an operator does: imperative
// `create` commands and `certificate approve` (protobuf request bodies), `auth can-i` and
// `auth whoami`, reads in JSON. Each result is checked through the JSON API.
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeconfig, startCluster, type TestCluster } from './harness.js';
import type { KubeClient } from './kube-client.js';

let cluster: TestCluster;
let admin: KubeClient;
let kc: string;

const kubectl = (...args: string[]) => execFileSync('kubectl', ['--kubeconfig', kc, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();

beforeAll(async () => {
  cluster = await startCluster();
  admin = cluster.adminClient();
  kc = kubeconfig(join(cluster.dir, 'admin.conf'), cluster.url, cluster.ca.cert, cluster.admin);
}, 120_000);

afterAll(async () => {
  await cluster?.cleanup();
});

describe('kubectl get (server-side Table) and wait (watch)', () => {
  it('prints nodes with upstream columns and waits for Ready', async () => {
    await admin.call('POST', '/api/v1/nodes', {
      metadata: { name: 'cp1', labels: { 'node-role.kubernetes.io/control-plane': '' } },
      status: { nodeInfo: { kubeletVersion: 'v1.32.4' } },
    });
    const lines = kubectl('get', 'nodes').trim().split('\n').map((l) => l.trim().split(/\s+/));
    expect(lines[0]).toEqual(['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION']);
    expect(lines[1]).toEqual(['cp1', 'Unknown', 'control-plane', expect.stringMatching(/^\d+s$/), 'v1.32.4']);
    const waiting = new Promise<string>((resolve, reject) => {
      execFile('kubectl', ['--kubeconfig', kc, 'wait', '--for=condition=Ready', 'node/cp1', '--timeout=60s'], (err, stdout) => (err ? reject(err) : resolve(stdout)));
    });
    await admin.call('PATCH', '/api/v1/nodes/cp1/status', { status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }] } }, 'application/strategic-merge-patch+json');
    expect((await waiting).trim()).toBe('node/cp1 condition met');
    expect(kubectl('get', 'node', 'cp1', '--no-headers').trim().split(/\s+/)[1]).toBe('Ready');
  });

  it('prints the default Name/Created At table for kinds without a printer', () => {
    const header = kubectl('get', 'clusterroles', 'cluster-admin').split('\n')[0]!.trim().split(/\s{2,}/);
    expect(header).toEqual(['NAME', 'CREATED AT']);
  });
});

describe('kubectl create (protobuf bodies)', () => {
  it('creates a namespace, a ConfigMap and Secrets with the given data', async () => {
    kubectl('create', 'namespace', 'ops');
    kubectl('create', 'configmap', 'settings', '-n', 'ops', '--from-literal=a=1', '--from-literal=b=two');
    kubectl('create', 'secret', 'generic', 'creds', '-n', 'ops', '--from-literal=password=hunter2', '--type=example.com/creds');
    expect((await admin.call('GET', '/api/v1/namespaces/ops')).status.phase).toBe('Active');
    expect((await admin.call('GET', '/api/v1/namespaces/ops/configmaps/settings')).data).toEqual({ a: '1', b: 'two' });
    const secret = await admin.call('GET', '/api/v1/namespaces/ops/secrets/creds');
    expect(secret.type).toBe('example.com/creds');
    expect(Buffer.from(secret.data.password, 'base64').toString()).toBe('hunter2');
  });

  it('creates RBAC objects that authorize exactly what they say (checked with kubectl auth can-i)', async () => {
    kubectl('create', 'namespace', 'rbac');
    kubectl('create', 'role', 'cm-reader', '-n', 'rbac', '--verb=get', '--resource=configmaps', '--resource-name=cluster-info');
    kubectl('create', 'rolebinding', 'cm-reader', '-n', 'rbac', '--role=cm-reader', '--user=carol');
    kubectl('create', 'clusterrole', 'node-lister', '--verb=list', '--resource=nodes');
    kubectl('create', 'clusterrolebinding', 'node-lister', '--clusterrole=node-lister', '--group=listers');
    const rb = await admin.call('GET', '/apis/rbac.authorization.k8s.io/v1/namespaces/rbac/rolebindings/cm-reader');
    expect(rb.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'cm-reader' });
    expect(rb.subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'carol' }]);
    const role = await admin.call('GET', '/apis/rbac.authorization.k8s.io/v1/namespaces/rbac/roles/cm-reader');
    expect(role.rules).toEqual([{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['cluster-info'] }]);

    const carol = kubeconfig(join(cluster.dir, 'carol.conf'), cluster.url, cluster.ca.cert, cluster.pki.leaf('carol', cluster.ca, '/O=listers/CN=carol'));
    const canI = (...args: string[]) => {
      try {
        return execFileSync('kubectl', ['--kubeconfig', carol, 'auth', 'can-i', ...args], { stdio: ['ignore', 'pipe', 'pipe'] }).toString().trim();
      } catch (err) {
        return (err as { stdout: Buffer }).stdout.toString().trim();
      }
    };
    expect(canI('get', 'configmaps/cluster-info', '-n', 'rbac')).toBe('yes');
    expect(canI('get', 'configmaps/other', '-n', 'rbac')).toBe('no');
    expect(canI('list', 'nodes')).toBe('yes');
    expect(canI('delete', 'nodes')).toBe('no');
  });

  it('creates a ServiceAccount and a token for it that authenticates as the ServiceAccount', async () => {
    kubectl('create', 'serviceaccount', 'deployer', '-n', 'ops');
    const token = kubectl('create', 'token', 'deployer', '-n', 'ops', '--duration=10m').trim();
    const robot = kubeconfig(join(cluster.dir, 'deployer.conf'), cluster.url, cluster.ca.cert, { token });
    const whoami = JSON.parse(execFileSync('kubectl', ['--kubeconfig', robot, 'auth', 'whoami', '-o', 'json']).toString());
    expect(whoami.status.userInfo).toMatchObject({ username: 'system:serviceaccount:ops:deployer', groups: ['system:serviceaccounts', 'system:serviceaccounts:ops', 'system:authenticated'] });
    // With a client certificate and a token, the certificate authenticates (x509 precedes tokens in
    // kube-apiserver's authenticator union, pkg/kubeapiserver/authenticator/config.go).
    const both = JSON.parse(execFileSync('kubectl', ['--kubeconfig', kc, '--token', token, 'auth', 'whoami', '-o', 'json']).toString());
    expect(both.status.userInfo.username).toBe('kubernetes-admin');
  });

  it('approves a CSR with kubectl certificate approve', async () => {
    execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(cluster.dir, 'k.key'), '-out', join(cluster.dir, 'k.csr'), '-subj', '/O=system:nodes/CN=system:node:k1'], { stdio: 'ignore' });
    await admin.call('POST', '/apis/certificates.k8s.io/v1/certificatesigningrequests', {
      metadata: { name: 'csr-kubectl' },
      spec: { request: readFileSync(join(cluster.dir, 'k.csr')).toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['digital signature', 'client auth'] },
    });
    kubectl('certificate', 'approve', 'csr-kubectl');
    const csr = await admin.call('GET', '/apis/certificates.k8s.io/v1/certificatesigningrequests/csr-kubectl');
    expect(csr.status.conditions).toMatchObject([{ type: 'Approved', status: 'True', reason: 'KubectlApprove' }]);
    expect(csr.spec.username).toBe('kubernetes-admin');
  });
});
