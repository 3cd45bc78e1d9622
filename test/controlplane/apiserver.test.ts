// The test kube-apiserver against a real etcd: authentication (client certificate, bootstrap token,
// anonymous), RBAC incl. resourceNames, storage semantics (AlreadyExists, Conflict, NotFound,
// resourceVersion = etcd revision), encryption at rest, flags, several API servers on one etcd,
// and kubectl (v1.32) reading through an admin kubeconfig.
import { execFileSync } from 'node:child_process';
import { createDecipheriv } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundle, eventually, freePort, kubeconfig, startCluster, startProcess, type TestCluster } from './harness.js';
import type { KubeClient } from './kube-client.js';
import { ApiClient } from '../../src/cluster/api-client.js';
import { httpsTransport } from '../../src/cluster/https-transport.js';

let cluster: TestCluster;
let admin: KubeClient;

const b64 = (s: string) => Buffer.from(s).toString('base64');
const rfc3339 = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

function tokenSecret(id: string, secret: string, opts: { expiration?: Date; auth?: boolean; groups?: string } = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system' },
    type: 'bootstrap.kubernetes.io/token',
    data: {
      'token-id': b64(id),
      'token-secret': b64(secret),
      ...(opts.expiration ? { expiration: b64(rfc3339(opts.expiration)) } : {}),
      'usage-bootstrap-authentication': b64(opts.auth === false ? 'false' : 'true'),
      'usage-bootstrap-signing': b64('true'),
      'auth-extra-groups': b64(opts.groups ?? 'system:bootstrappers:kubeadm:default-node-token'),
    },
  };
}

beforeAll(async () => {
  cluster = await startCluster();
  admin = cluster.adminClient();
}, 120_000);

afterAll(async () => {
  await cluster?.cleanup();
});

describe('authentication', () => {
  it('maps a client certificate to user CN and groups O, plus system:authenticated', async () => {
    const review = await admin.call('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: { resourceAttributes: { verb: 'delete', resource: 'nodes' } },
    });
    expect(review.status.allowed).toBe(true);
    const alice = cluster.pki.leaf('alice', cluster.ca, '/O=dev/O=ops/CN=alice');
    const c = cluster.client(alice);
    const res = await c.raw('GET', '/api/v1/namespaces/default/secrets');
    expect(res.status).toBe(403);
    expect(res.body.message).toBe('secrets is forbidden: User "alice" cannot list resource "secrets" in API group "" in the namespace "default"');
  });

  it('kubectl auth whoami shows the certificate identity (SelfSubjectReview)', async () => {
    const alice = cluster.pki.leaf('alice2', cluster.ca, '/O=dev/O=ops/CN=alice');
    const kc = kubeconfig(join(cluster.dir, 'alice.conf'), cluster.url, cluster.ca.cert, alice);
    const out = JSON.parse(execFileSync('kubectl', ['--kubeconfig', kc, 'auth', 'whoami', '-o', 'json']).toString());
    expect(out.status.userInfo).toEqual({ username: 'alice', groups: ['dev', 'ops', 'system:authenticated'] });
  });

  it('rejects a certificate without the clientAuth usage with 401', async () => {
    const serverOnly = cluster.pki.leaf('server-only', cluster.ca, '/O=system:masters/CN=sneaky', { server: true, client: false });
    expect((await cluster.client(serverOnly).raw('GET', '/api/v1/namespaces')).status).toBe(401);
  });

  it('issues service-account tokens (TokenRequest) that authenticate until the ServiceAccount is deleted', async () => {
    await admin.call('POST', '/api/v1/namespaces/default/serviceaccounts', { metadata: { name: 'robot' } });
    const tr = await admin.call('POST', '/api/v1/namespaces/default/serviceaccounts/robot/token', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} });
    const token = tr.status.token as string;
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    expect(claims).toMatchObject({ iss: 'https://kubernetes.default.svc.cluster.local', sub: 'system:serviceaccount:default:robot', aud: ['https://kubernetes.default.svc.cluster.local'] });
    const robot = cluster.client({ token });
    const who = await robot.call('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
    expect(who.status.userInfo).toMatchObject({ username: 'system:serviceaccount:default:robot', groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'] });
    const review = await admin.call('POST', '/apis/authentication.k8s.io/v1/tokenreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } });
    expect(review.status.authenticated).toBe(true);
    const forged = `${token.slice(0, token.lastIndexOf('.'))}.${Buffer.alloc(256, 1).toString('base64url')}`;
    expect((await cluster.client({ token: forged }).raw('GET', '/version')).status).toBe(401);
    await admin.call('DELETE', '/api/v1/namespaces/default/serviceaccounts/robot');
    expect((await robot.raw('GET', '/version')).status).toBe(401);
  });

  it('rejects a client certificate from another CA with 401', async () => {
    const other = cluster.pki.ca('other-ca', 'other');
    const mallory = cluster.pki.leaf('mallory', other, '/O=system:masters/CN=mallory');
    const res = await cluster.client(mallory).raw('GET', '/api/v1/namespaces');
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
  });

  const now = Date.now();
  it.each([
    { name: 'valid token', id: 'abcdef', secret: '0123456789abcdef', presented: 'abcdef.0123456789abcdef', opts: { expiration: new Date(now + 3600_000) }, status: 201 },
    { name: 'token without expiration', id: 'noexp1', secret: '0123456789abcdef', presented: 'noexp1.0123456789abcdef', opts: {}, status: 201 },
    { name: 'expired token', id: 'expird', secret: '0123456789abcdef', presented: 'expird.0123456789abcdef', opts: { expiration: new Date(now - 60_000) }, status: 401 },
    { name: 'wrong secret', id: 'wrongs', secret: '0123456789abcdef', presented: 'wrongs.fedcba9876543210', opts: {}, status: 401 },
    { name: 'authentication usage not enabled', id: 'noauth', secret: '0123456789abcdef', presented: 'noauth.0123456789abcdef', opts: { auth: false }, status: 401 },
    { name: 'invalid extra group', id: 'badgrp', secret: '0123456789abcdef', presented: 'badgrp.0123456789abcdef', opts: { groups: 'system:masters' }, status: 401 },
    { name: 'unknown token id', id: 'zzzzzz', secret: '0123456789abcdef', presented: 'unknwn.0123456789abcdef', opts: {}, status: 401 },
    { name: 'not a token', id: 'garbag', secret: '0123456789abcdef', presented: 'garbage', opts: {}, status: 401 },
  ])('bootstrap token: $name -> $status', async ({ id, secret, presented, opts, status }) => {
    await admin.raw('POST', '/api/v1/namespaces/kube-system/secrets', tokenSecret(id, secret, opts));
    // system:node-bootstrapper lets system:bootstrappers create CSRs; kubeadm binds it (kubeadm:kubelet-bootstrap).
    await admin.raw('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
      metadata: { name: 'kubeadm:kubelet-bootstrap' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:node-bootstrapper' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:bootstrappers:kubeadm:default-node-token' }],
    });
    const c = cluster.client({ token: presented });
    const res = await c.raw('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
      spec: { resourceAttributes: { verb: 'create', group: 'certificates.k8s.io', resource: 'certificatesigningrequests' } },
    });
    expect(res.status).toBe(status);
    if (status === 201) {
      expect(res.body.status.allowed).toBe(true);
      const csrList = await c.raw('GET', '/apis/certificates.k8s.io/v1/certificatesigningrequests');
      expect(csrList.status).toBe(200);
    }
  });

  it('treats a request without credentials as system:anonymous', async () => {
    const res = await cluster.client({}).raw('GET', '/api/v1/namespaces/kube-system/configmaps');
    expect(res.status).toBe(403);
    expect(res.body.message).toContain('User "system:anonymous" cannot list resource "configmaps"');
  });
});

describe('authorization', () => {
  it('lets anonymous read cluster-info only after the kubeadm Role/RoleBinding with resourceNames exists', async () => {
    await admin.call('POST', '/api/v1/namespaces/kube-public/configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cluster-info', namespace: 'kube-public' },
      data: { kubeconfig: 'apiVersion: v1\nkind: Config\n' },
    });
    await admin.call('POST', '/api/v1/namespaces/kube-public/configmaps', { metadata: { name: 'other' }, data: {} });
    const anon = cluster.client({});
    const before = await anon.raw('GET', '/api/v1/namespaces/kube-public/configmaps/cluster-info');
    expect(before.status).toBe(403);
    expect(before.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'configmaps "cluster-info" is forbidden: User "system:anonymous" cannot get resource "configmaps" in API group "" in the namespace "kube-public"',
      reason: 'Forbidden',
      details: { name: 'cluster-info', kind: 'configmaps' },
      code: 403,
    });
    await admin.call('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/kube-public/roles', {
      metadata: { name: 'kubeadm:bootstrap-signer-clusterinfo', namespace: 'kube-public' },
      rules: [{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['cluster-info'], verbs: ['get'] }],
    });
    await admin.call('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/kube-public/rolebindings', {
      metadata: { name: 'kubeadm:bootstrap-signer-clusterinfo', namespace: 'kube-public' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'kubeadm:bootstrap-signer-clusterinfo' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'system:anonymous' }],
    });
    expect((await anon.raw('GET', '/api/v1/namespaces/kube-public/configmaps/cluster-info')).status).toBe(200);
    expect((await anon.raw('GET', '/api/v1/namespaces/kube-public/configmaps/other')).status).toBe(403);
    expect((await anon.raw('GET', '/api/v1/namespaces/kube-public/configmaps')).status).toBe(403);
    expect((await anon.raw('PUT', '/api/v1/namespaces/kube-public/configmaps/cluster-info', { metadata: { name: 'cluster-info' } })).status).toBe(403);
  });

  it.each([
    { path: '/healthz', status: 200 },
    { path: '/readyz', status: 200 },
    { path: '/livez', status: 200 },
    { path: '/version', status: 200 },
    { path: '/api', status: 403 },
    { path: '/apis', status: 403 },
  ])('anonymous GET $path -> $status (system:public-info-viewer)', async ({ path, status }) => {
    const res = await cluster.client({}).raw('GET', path);
    expect(res.status).toBe(status);
    if (status === 403) expect(res.body.message).toBe(`forbidden: User "system:anonymous" cannot get path "${path}"`);
  });

  it.each([
    { what: 'RoleBinding to a ClusterRole grants only in its namespace', ns: 'kube-system', verb: 'get', resource: 'secrets', name: 'x', allowed: true },
    { what: 'RoleBinding does not leak to other namespaces', ns: 'default', verb: 'get', resource: 'secrets', name: 'x', allowed: false },
    { what: 'resourceNames restricts names', ns: 'kube-system', verb: 'get', resource: 'configmaps', name: 'kubeadm-config', allowed: true },
    { what: 'other names are denied', ns: 'kube-system', verb: 'get', resource: 'configmaps', name: 'other', allowed: false },
    { what: 'subresource needs its own rule', ns: '', verb: 'create', resource: 'certificatesigningrequests/nodeclient', name: '', allowed: false },
  ])('RBAC: $what', async ({ ns, verb, resource, name, allowed }) => {
    await admin.raw('POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', {
      metadata: { name: 'secret-reader' },
      rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }],
    });
    await admin.raw('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/rolebindings', {
      metadata: { name: 'bob-secrets' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'secret-reader' },
      subjects: [{ kind: 'User', name: 'bob', apiGroup: 'rbac.authorization.k8s.io' }],
    });
    await admin.raw('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/roles', {
      metadata: { name: 'kubeadm-config-reader' },
      rules: [{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['kubeadm-config'], verbs: ['get'] }],
    });
    await admin.raw('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/rolebindings', {
      metadata: { name: 'bob-kubeadm-config' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'kubeadm-config-reader' },
      subjects: [{ kind: 'Group', name: 'readers', apiGroup: 'rbac.authorization.k8s.io' }],
    });
    const [res, sub] = resource.split('/');
    const review = await admin.call('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: {
        user: 'bob',
        groups: ['readers', 'system:authenticated'],
        resourceAttributes: { namespace: ns, verb, group: res === 'certificatesigningrequests' ? 'certificates.k8s.io' : '', resource: res, subresource: sub, name },
      },
    });
    expect(review.status.allowed).toBe(allowed);
  });

  it.each([
    { what: 'own Node', path: '/api/v1/nodes/n1', verb: 'GET', status: 404 },
    { what: 'own Lease', path: '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1', verb: 'GET', status: 404 },
    { what: "another node's Lease", path: '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n2', verb: 'GET', status: 403 },
    { what: 'a Lease outside kube-node-lease', path: '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/n1', verb: 'GET', status: 403 },
    { what: 'secrets (no pods bound to it)', path: '/api/v1/namespaces/kube-system/secrets/x', verb: 'GET', status: 403 },
    { what: 'another Node (AuthorizeNodeWithSelectors, v1.32+)', path: '/api/v1/nodes/n2', verb: 'GET', status: 403 },
    { what: 'all Nodes', path: '/api/v1/nodes', verb: 'GET', status: 403 },
    { what: 'its own Node by fieldSelector', path: '/api/v1/nodes?fieldSelector=metadata.name%3Dn1', verb: 'GET', status: 200 },
    { what: 'all pods', path: '/api/v1/pods', verb: 'GET', status: 403 },
    { what: 'its pods by spec.nodeName', path: '/api/v1/pods?fieldSelector=spec.nodeName%3Dn1', verb: 'GET', status: 200 },
  ])('Node authorizer: system:node:n1 reading $what -> $status', async ({ path, verb, status }) => {
    const node = cluster.pki.leaf('node-n1', cluster.ca, '/O=system:nodes/CN=system:node:n1');
    expect((await cluster.client(node).raw(verb, path)).status).toBe(status);
  });

  it('NodeRestriction: a node may create its own Node but not another', async () => {
    const node = cluster.client(cluster.pki.leaf('node-n3', cluster.ca, '/O=system:nodes/CN=system:node:n3'));
    expect((await node.raw('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n3' } })).status).toBe(201);
    const other = await node.raw('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n4' } });
    expect(other.status).toBe(403);
    const status = await node.raw('PUT', '/api/v1/nodes/n3/status', { metadata: { name: 'n3' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } });
    expect(status.status).toBe(200);
    expect(status.body.status.conditions[0].type).toBe('Ready');
  });

  it.each([
    {
      what: 'register with a node-role label',
      labels: { 'kubernetes.io/hostname': 'n6', 'node-role.kubernetes.io/control-plane': '' },
      status: 403,
      message: 'nodes "n6" is forbidden: node "n6" is not allowed to set the following labels: node-role.kubernetes.io/control-plane',
    },
    {
      what: 'register with well-known and node.kubernetes.io labels',
      labels: { 'kubernetes.io/hostname': 'n6', 'kubernetes.io/os': 'linux', 'node.kubernetes.io/exclude-from-external-load-balancers': '', 'example.com/tier': 'x' },
      status: 201,
      message: '',
    },
  ])('NodeRestriction: a node may $what -> $status', async ({ labels, status, message }) => {
    const node = cluster.client(cluster.pki.leaf(`node-n6-${status}`, cluster.ca, '/O=system:nodes/CN=system:node:n6'));
    const res = await node.raw('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n6', labels } });
    expect(res.status).toBe(status);
    if (message) expect(res.body.message).toBe(message);
  });

  it('NodeRestriction: a node creates only mirror pods bound to and owned by itself, referencing no other objects', async () => {
    const node = cluster.client(cluster.pki.leaf('node-n9', cluster.ca, '/O=system:nodes/CN=system:node:n9'));
    const self = await node.call('POST', '/api/v1/nodes', { metadata: { name: 'n9' } });
    const pod = (name: string, extra: { annotations?: Record<string, string>; spec?: Record<string, unknown> } = {}) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace: 'kube-system',
        annotations: extra.annotations ?? { 'kubernetes.io/config.mirror': 'abc', 'kubernetes.io/config.source': 'file' },
        ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'n9', uid: self.metadata.uid, controller: true }],
      },
      spec: { nodeName: 'n9', containers: [{ name: 'c', image: 'registry.k8s.io/etcd:3.5.16-0' }], ...extra.spec },
    });
    const post = (body: unknown) => node.raw('POST', '/api/v1/namespaces/kube-system/pods', body);
    expect((await post(pod('etcd-n9'))).status).toBe(201);
    const cases: Array<[unknown, string]> = [
      [pod('plain-n9', { annotations: {} }), 'node "n9" can only create mirror pods'],
      [pod('other-n9', { spec: { nodeName: 'n10' } }), 'node "n9" can only create pods with spec.nodeName set to itself'],
      [pod('secret-n9', { spec: { volumes: [{ name: 'v', secret: { secretName: 'x' } }] } }), 'node "n9" can not create pods that reference secrets'],
      [pod('cm-n9', { spec: { volumes: [{ name: 'v', configMap: { name: 'x' } }] } }), 'node "n9" can not create pods that reference configmaps'],
    ];
    for (const [body, message] of cases) {
      const res = await post(body);
      expect(res.status).toBe(403);
      expect(res.body.message).toContain(message);
    }
    expect((await node.raw('PATCH', '/api/v1/namespaces/kube-system/pods/etcd-n9/status', { status: { phase: 'Running' } }, 'application/strategic-merge-patch+json')).status).toBe(200);
    await admin.call('POST', '/api/v1/namespaces/kube-system/pods', { metadata: { name: 'elsewhere' }, spec: { nodeName: 'n10', containers: [{ name: 'c', image: 'x' }] } });
    const del = await node.raw('DELETE', '/api/v1/namespaces/kube-system/pods/elsewhere');
    expect(del.status).toBe(403);
    expect(del.body.message).toContain('node "n9" can only delete pods with spec.nodeName set to itself');
    expect((await node.raw('DELETE', '/api/v1/namespaces/kube-system/pods/etcd-n9')).status).toBe(200);
  });

  it('NodeRestriction: a node may not change its taints or another node\'s Lease', async () => {
    const node = cluster.client(cluster.pki.leaf('node-n7', cluster.ca, '/O=system:nodes/CN=system:node:n7'));
    await node.call('POST', '/api/v1/nodes', { metadata: { name: 'n7' }, spec: { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] } });
    const untaint = await node.raw('PATCH', '/api/v1/nodes/n7', { spec: { taints: null } }, 'application/merge-patch+json');
    expect(untaint.status).toBe(403);
    expect(untaint.body.message).toContain('node "n7" is not allowed to modify taints');
    const lease = (name: string) => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: 'kube-node-lease' }, spec: { holderIdentity: name } });
    expect((await node.raw('POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', lease('n7'))).status).toBe(201);
    const other = await node.raw('POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', lease('n8'));
    expect(other.status).toBe(403);
    expect(other.body.message).toContain('can only access node lease with the same name as the requesting node');
  });
});

describe('storage', () => {
  it('creates with uid, creationTimestamp and resourceVersion; 409 on duplicate; 409 Conflict on stale update; 404 NotFound', async () => {
    const created = await admin.call('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'cm1', labels: { app: 'x' } }, data: { a: '1' } });
    expect(created).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm1', namespace: 'default' } });
    expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const dup = await admin.raw('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'cm1' } });
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ reason: 'AlreadyExists', message: 'configmaps "cm1" already exists', details: { name: 'cm1', kind: 'configmaps' } });

    const updated = await admin.call('PUT', '/api/v1/namespaces/default/configmaps/cm1', { ...created, data: { a: '2' } });
    expect(Number(updated.metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));
    expect(updated.metadata.uid).toBe(created.metadata.uid);
    const stale = await admin.raw('PUT', '/api/v1/namespaces/default/configmaps/cm1', { ...created, data: { a: '3' } });
    expect(stale.status).toBe(409);
    expect(stale.body.reason).toBe('Conflict');

    const patched = await admin.call('PATCH', '/api/v1/namespaces/default/configmaps/cm1', { data: { b: 'x', a: null } }, 'application/merge-patch+json');
    expect(patched.data).toEqual({ b: 'x' });

    const missing = await admin.raw('GET', '/api/v1/namespaces/default/configmaps/nope');
    expect(missing.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'configmaps "nope" not found',
      reason: 'NotFound',
      details: { name: 'nope', kind: 'configmaps' },
      code: 404,
    });
    const inMissingNs = await admin.raw('POST', '/api/v1/namespaces/nosuchns/configmaps', { metadata: { name: 'x' } });
    expect(inMissingNs.status).toBe(404);
    expect(inMissingNs.body.message).toBe('namespaces "nosuchns" not found');

    // A cluster-scoped resource does not exist under a namespace path, and vice versa.
    expect((await admin.raw('GET', '/api/v1/namespaces/default/nodes')).status).toBe(404);
    expect((await admin.raw('GET', '/api/v1/configmaps/cm1')).status).toBe(404);

    await admin.call('DELETE', '/api/v1/namespaces/default/configmaps/cm1');
    expect((await admin.raw('GET', '/api/v1/namespaces/default/configmaps/cm1')).status).toBe(404);
  });

  it('deletes objects with finalizers in two steps: deletionTimestamp, then removal with the last finalizer', async () => {
    await admin.call('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'held', finalizers: ['example.com/hold'] } });
    const deleting = await admin.call('DELETE', '/api/v1/namespaces/default/configmaps/held');
    expect(deleting.metadata.deletionTimestamp).toMatch(/Z$/);
    expect((await admin.call('GET', '/api/v1/namespaces/default/configmaps/held')).metadata.deletionTimestamp).toBe(deleting.metadata.deletionTimestamp);
    await admin.call('PATCH', '/api/v1/namespaces/default/configmaps/held', { metadata: { finalizers: null } }, 'application/merge-patch+json');
    expect((await admin.raw('GET', '/api/v1/namespaces/default/configmaps/held')).status).toBe(404);
  });

  it('terminates namespaces: no new content, /finalize releases them, system namespaces are immortal', async () => {
    const kubeSystem = await admin.raw('DELETE', '/api/v1/namespaces/kube-system');
    expect(kubeSystem.status).toBe(403);
    expect(kubeSystem.body.message).toBe('namespaces "kube-system" is forbidden: this namespace may not be deleted');
    await admin.call('POST', '/api/v1/namespaces', { metadata: { name: 'doomed' } });
    const ns = await admin.call('DELETE', '/api/v1/namespaces/doomed');
    expect(ns.status.phase).toBe('Terminating');
    const late = await admin.raw('POST', '/api/v1/namespaces/doomed/configmaps', { metadata: { name: 'late' } });
    expect(late.status).toBe(403);
    expect(late.body.message).toBe('configmaps "late" is forbidden: unable to create new content in namespace doomed because it is being terminated');
    const current = await admin.call('GET', '/api/v1/namespaces/doomed');
    await admin.call('PUT', '/api/v1/namespaces/doomed/finalize', { ...current, spec: { finalizers: [] } });
    expect((await admin.raw('GET', '/api/v1/namespaces/doomed')).status).toBe(404);
  });

  it('?dryRun=All validates and admits without writing (kubectl --dry-run=server)', async () => {
    const kc = kubeconfig(join(cluster.dir, 'admin-dry.conf'), cluster.url, cluster.ca.cert, cluster.admin);
    const out = execFileSync('kubectl', ['--kubeconfig', kc, 'create', 'configmap', 'dry', '--from-literal=a=b', '--dry-run=server', '-o', 'json']).toString();
    expect(JSON.parse(out).data).toEqual({ a: 'b' });
    expect((await admin.raw('GET', '/api/v1/namespaces/default/configmaps/dry')).status).toBe(404);
    const bad = await admin.raw('POST', '/api/v1/namespaces/default/configmaps?dryRun=All', { metadata: { name: 'Bad_Name' } });
    expect(bad.status).toBe(422);
    await admin.call('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'keep' }, data: { v: '1' } });
    await admin.call('DELETE', '/api/v1/namespaces/default/configmaps/keep?dryRun=All');
    const patched = await admin.call('PATCH', '/api/v1/namespaces/default/configmaps/keep?dryRun=All', { data: { v: '2' } }, 'application/merge-patch+json');
    expect(patched.data.v).toBe('2');
    expect((await admin.call('GET', '/api/v1/namespaces/default/configmaps/keep')).data.v).toBe('1');
  });

  it('stores under upstream keys with resourceVersion = etcd mod_revision (read back with etcdctl)', async () => {
    const node = await admin.call('POST', '/api/v1/nodes', { metadata: { name: 'etcd-key-check' } });
    const out = execFileSync('etcdctl', [
      `--endpoints=${cluster.etcdUrl}`, `--cacert=${cluster.etcdCA.cert}`, `--cert=${cluster.etcdClient.cert}`, `--key=${cluster.etcdClient.key}`,
      'get', '/registry/minions/etcd-key-check', '-w', 'json',
    ], { env: { ...process.env, ETCDCTL_API: '3' } }).toString();
    const kv = JSON.parse(out).kvs[0];
    expect(String(kv.mod_revision)).toBe(node.metadata.resourceVersion);
    expect(JSON.parse(Buffer.from(kv.value, 'base64').toString()).metadata.uid).toBe(node.metadata.uid);
  });

  it('lists with labelSelector and fieldSelector', async () => {
    for (const [name, tier] of [['l1', 'web'], ['l2', 'db'], ['l3', 'web']]) {
      await admin.call('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name, labels: { tier: tier!, sel: 'yes' } } });
    }
    const names = async (q: string) =>
      (await admin.call('GET', `/api/v1/namespaces/default/configmaps?${q}`)).items.map((i: { metadata: { name: string } }) => i.metadata.name);
    expect(await names('labelSelector=tier%3Dweb')).toEqual(['l1', 'l3']);
    expect(await names('labelSelector=sel%3Dyes,tier!%3Dweb')).toEqual(['l2']);
    expect(await names('labelSelector=tier%20in%20(db)')).toEqual(['l2']);
    expect(await names('fieldSelector=metadata.name%3Dl3')).toEqual(['l3']);
    const list = await admin.call('GET', '/api/v1/namespaces/default/configmaps?labelSelector=sel');
    expect(list).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMapList' });
    expect(Number(list.metadata.resourceVersion)).toBeGreaterThan(0);
  });

  it('second API server on the same etcd sees the same objects and enforces the same RBAC', async () => {
    const second = await cluster.startApiServer();
    const c2 = cluster.client(cluster.admin, second.url);
    const obj = await admin.call('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'shared' }, data: { v: '1' } });
    const seen = await c2.call('GET', '/api/v1/namespaces/default/configmaps/shared');
    expect(seen.metadata.resourceVersion).toBe(obj.metadata.resourceVersion);
    await c2.call('PUT', '/api/v1/namespaces/default/configmaps/shared', { ...seen, data: { v: '2' } });
    const stale = await admin.raw('PUT', '/api/v1/namespaces/default/configmaps/shared', { ...obj, data: { v: '3' } });
    expect(stale.body.reason).toBe('Conflict');
    const ep = await admin.call('GET', '/api/v1/namespaces/default/endpoints/kubernetes');
    expect(ep.subsets[0].addresses).toEqual([{ ip: '127.0.0.1' }]);
    expect((await cluster.client({}, second.url).raw('GET', '/api/v1/namespaces/kube-system/secrets')).status).toBe(403);
    await second.proc.stop();
  });
});

describe('start-up window (KGEN_TEST_APISERVER_STARTUP_WINDOW_MS)', () => {
  it('answers 403 to everyone but system:masters for the window after it starts serving; kgen-boot\'s client waits it out', async () => {
    const second = await cluster.startApiServer([], { KGEN_TEST_APISERVER_STARTUP_WINDOW_MS: '3000' });
    try {
      const anonymous = cluster.client({}, second.url);
      const early = await anonymous.raw('GET', '/version');
      expect(early.status).toBe(403);
      expect(early.body.message).toContain('User "system:anonymous" cannot get path "/version"');
      expect((await cluster.client(cluster.admin, second.url).raw('GET', '/api/v1/namespaces/kube-system/configmaps')).status).toBe(200);
      const retries: string[] = [];
      const kgenClient = new ApiClient({
        server: second.url,
        transport: httpsTransport({ server: second.url, ca: readFileSync(cluster.ca.cert, 'utf8'), credentials: { kind: 'anonymous' } }),
        clock: { now: () => new Date(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
        random: { bytes: (n) => Buffer.alloc(n), float: Math.random },
        onRetry: (m) => retries.push(m),
      });
      await expect(kgenClient.request<{ gitVersion: string }>({ method: 'GET', path: '/version' })).resolves.toMatchObject({ gitVersion: expect.stringMatching(/^v1\./) });
      expect(retries.length).toBeGreaterThan(0);
      expect(retries[0]).toContain('answered HTTP 403 Forbidden');
      expect((await anonymous.raw('GET', '/version')).status).toBe(200);
    } finally {
      await second.proc.stop();
    }
  });
});

describe('validation', () => {
  const svc = (name: string, clusterIP?: string) => ({ metadata: { name }, spec: { ...(clusterIP ? { clusterIP } : {}), ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] } });
  it.each([
    {
      what: 'an RFC 1123-invalid ConfigMap name',
      path: '/api/v1/namespaces/default/configmaps',
      body: { metadata: { name: 'Bad_Name' } },
      message: `ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
    },
    {
      what: 'a data key with a slash',
      path: '/api/v1/namespaces/kube-system/secrets',
      body: { metadata: { name: 'kubeadm-certs-bad' }, data: { 'pki/ca.crt': 'eA==' } },
      message: 'Secret "kubeadm-certs-bad" is invalid: data[pki/ca.crt]: Invalid value: "pki/ca.crt": a valid config key must consist of alphanumeric characters',
    },
    {
      what: 'a Service name that is not a DNS-1035 label',
      path: '/api/v1/namespaces/kube-system/services',
      body: svc('1dns'),
      message: 'Service "1dns" is invalid: metadata.name: Invalid value: "1dns": a DNS-1035 label must consist of lower case alphanumeric characters',
    },
    {
      what: 'a ClusterIP outside --service-cluster-ip-range',
      path: '/api/v1/namespaces/kube-system/services',
      body: svc('kube-dns-out', '10.112.0.10'),
      message: 'the provided IP (10.112.0.10) is not in the valid range. The range of valid IPs is 10.96.0.0/12',
    },
    {
      what: "the kubernetes Service's ClusterIP",
      path: '/api/v1/namespaces/kube-system/services',
      body: svc('kube-dns-dup', '10.96.0.1'),
      message: 'failed to allocate IP 10.96.0.1: provided IP is already allocated',
    },
    {
      what: 'a label value over 63 characters',
      path: '/api/v1/namespaces/default/configmaps',
      body: { metadata: { name: 'long-label', labels: { a: 'x'.repeat(64) } } },
      message: 'metadata.labels: Invalid value',
    },
  ])('rejects $what with 422 Invalid', async ({ path, body, message }) => {
    const res = await admin.raw('POST', path, body);
    expect(res.status).toBe(422);
    expect(res.body.reason).toBe('Invalid');
    expect(res.body.message).toContain(message);
  });

  it('keeps immutable fields: Secret type, data of immutable ConfigMaps, a Node podCIDR once set', async () => {
    const secret = await admin.call('POST', '/api/v1/namespaces/default/secrets', { metadata: { name: 'typed' }, type: 'example.com/a', data: {} });
    const retype = await admin.raw('PUT', '/api/v1/namespaces/default/secrets/typed', { ...secret, type: 'example.com/b' });
    expect(retype.status).toBe(422);
    expect(retype.body.message).toBe('Secret "typed" is invalid: type: Invalid value: "example.com/b": field is immutable');
    await admin.call('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'frozen' }, data: { a: '1' }, immutable: true });
    const thaw = await admin.raw('PATCH', '/api/v1/namespaces/default/configmaps/frozen', { data: { a: '2' } }, 'application/merge-patch+json');
    expect(thaw.status).toBe(422);
    expect(thaw.body.message).toContain('data: Forbidden: field is immutable when `immutable` is set');
    await admin.call('POST', '/api/v1/nodes', { metadata: { name: 'cidr-node' }, spec: { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'] } });
    const move = await admin.raw('PATCH', '/api/v1/nodes/cidr-node', { spec: { podCIDR: '10.244.2.0/24' } }, 'application/merge-patch+json');
    expect(move.status).toBe(422);
    expect(move.body.message).toContain('node updates may not change podCIDR except from "" to valid');
  });

  it('accepts RBAC names with colons, a ClusterIP in range, and assigns one when none is given', async () => {
    expect((await admin.raw('POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', { metadata: { name: 'kubeadm:get-nodes' }, rules: [] })).status).toBe(201);
    const dns = await admin.call('POST', '/api/v1/namespaces/kube-system/services', svc('kube-dns', '10.96.0.10'));
    expect(dns.spec).toMatchObject({ clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], type: 'ClusterIP' });
    const auto = await admin.call('POST', '/api/v1/namespaces/default/services', svc('auto'));
    const n = auto.spec.clusterIP.split('.').map(Number);
    expect(n[0]).toBe(10);
    expect(n[1] & 0xf0).toBe(96);
    const kubernetes = await admin.call('GET', '/api/v1/namespaces/default/services/kubernetes');
    expect(kubernetes.spec.clusterIP).toBe('10.96.0.1');
  });
});

describe('CertificateSigningRequest validation', () => {
  const request = () => {
    const dir = cluster.dir;
    execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'v.key'), '-out', join(dir, 'v.csr'), '-subj', '/O=system:nodes/CN=system:node:v'], { stdio: 'ignore' });
    return readFileSync(join(dir, 'v.csr')).toString('base64');
  };
  it.each([
    { what: 'the legacy signer', spec: { signerName: 'kubernetes.io/legacy-unknown', usages: ['client auth'] }, message: 'the legacy signerName is not allowed via this API version' },
    { what: 'a signer name without a domain', spec: { signerName: 'kubelet', usages: ['client auth'] }, message: "must be a fully qualified domain and path of the form 'example.com/signer-name'" },
    { what: 'an unknown usage', spec: { signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth', 'flying'] }, message: 'spec.usages[1]: Unsupported value: "flying"' },
    { what: 'a duration under 10 minutes', spec: { signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'], expirationSeconds: 60 }, message: 'may not specify a duration less than 600 seconds' },
    { what: 'a request that is not a CSR', spec: { signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'], request: b64('hello') }, message: 'spec.request: Invalid value: PEM block type must be CERTIFICATE REQUEST' },
  ])('rejects $what', async ({ spec, message }) => {
    const res = await admin.raw('POST', '/apis/certificates.k8s.io/v1/certificatesigningrequests', { metadata: { generateName: 'csr-' }, spec: { request: request(), ...spec } });
    expect(res.status).toBe(422);
    expect(res.body.message).toContain(message);
  });
});

describe('watch', () => {
  it('streams ADDED, MODIFIED and DELETED events', async () => {
    const agent = new Agent({ connect: { ca: readFileSync(cluster.ca.cert), cert: readFileSync(cluster.admin.cert), key: readFileSync(cluster.admin.key) } });
    const res = await request(`${cluster.url}/api/v1/namespaces/kube-node-lease/configmaps?watch=true&timeoutSeconds=20`, { dispatcher: agent });
    expect(res.statusCode).toBe(200);
    const events: Array<{ type: string; name: string }> = [];
    const reader = (async () => {
      let buf = '';
      for await (const chunk of res.body) {
        buf += chunk.toString();
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const ev = JSON.parse(buf.slice(0, nl));
          buf = buf.slice(nl + 1);
          events.push({ type: ev.type, name: ev.object.metadata.name });
          if (ev.type === 'DELETED') return;
        }
      }
    })();
    const cm = await admin.call('POST', '/api/v1/namespaces/kube-node-lease/configmaps', { metadata: { name: 'w1' }, data: { a: '1' } });
    await eventually('ADDED', async () => (events.length >= 1 ? true : undefined));
    await admin.call('PUT', '/api/v1/namespaces/kube-node-lease/configmaps/w1', { ...cm, data: { a: '2' } });
    await eventually('MODIFIED', async () => (events.length >= 2 ? true : undefined));
    await admin.call('DELETE', '/api/v1/namespaces/kube-node-lease/configmaps/w1');
    await reader;
    expect(events).toEqual([
      { type: 'ADDED', name: 'w1' },
      { type: 'MODIFIED', name: 'w1' },
      { type: 'DELETED', name: 'w1' },
    ]);
    res.body.destroy();
    await agent.close();
  });
});

describe('startup', () => {
  it.each([
    { what: 'an unknown flag', extra: ['--no-such-flag=1'], message: 'unknown flag: --no-such-flag' },
    { what: 'a missing file', extra: ['--client-ca-file=/nonexistent/ca.crt'], message: '--client-ca-file=/nonexistent/ca.crt: cannot read file: ENOENT' },
    { what: 'removed --insecure-port', extra: ['--insecure-port=0'], message: 'unknown flag: --insecure-port' },
    { what: 'both --authorization-mode and --authorization-config', extra: ['--authorization-config=/dev/null'], message: '--authorization-config can not be specified when --authorization-mode is specified' },
    { what: 'an unsupported encryption provider', extra: ['--encryption-provider-config=/dev/null'], message: 'expected kind EncryptionConfiguration' },
  ])('fails on $what', async ({ extra, message }) => {
    const program = await bundle('kube-apiserver');
    const proc = startProcess(process.execPath, [program, ...cluster.apiserverArgs(1, extra)]);
    const code = await new Promise<number | null>((resolve) => proc.child.once('exit', resolve));
    expect(code).toBe(1);
    expect(proc.output()).toContain(message);
  });

  it('takes its authorizers from a structured --authorization-config', async () => {
    const config = join(cluster.dir, 'authz.yaml');
    writeFileSync(config, 'apiVersion: apiserver.config.k8s.io/v1\nkind: AuthorizationConfiguration\nauthorizers:\n- type: Node\n  name: node\n- type: RBAC\n  name: rbac\n');
    const program = await bundle('kube-apiserver');
    const port = await freePort();
    const args = cluster.apiserverArgs(port).filter((a) => !a.startsWith('--authorization-mode='));
    const proc = startProcess(process.execPath, [program, ...args, `--authorization-config=${config}`]);
    try {
      const anon = cluster.client({}, `https://127.0.0.1:${port}`);
      await eventually('structured-authz API server', async () => ((await anon.raw('GET', '/readyz')).status === 200 ? true : undefined));
      expect((await anon.raw('GET', '/api/v1/namespaces/kube-system/secrets')).status).toBe(403);
      expect((await cluster.client(cluster.admin, `https://127.0.0.1:${port}`).raw('GET', '/api/v1/namespaces/kube-system/secrets')).status).toBe(200);
    } finally {
      await proc.stop();
    }
  });

  it('stores under --etcd-prefix', async () => {
    const other = await cluster.startApiServer(['--etcd-prefix=/kgen-test']);
    await cluster.client(cluster.admin, other.url).call('POST', '/api/v1/namespaces', { metadata: { name: 'prefixed' } });
    const keys = execFileSync('etcdctl', [
      `--endpoints=${cluster.etcdUrl}`, `--cacert=${cluster.etcdCA.cert}`, `--cert=${cluster.etcdClient.cert}`, `--key=${cluster.etcdClient.key}`,
      'get', '/kgen-test/namespaces/', '--prefix', '--keys-only',
    ], { env: { ...process.env, ETCDCTL_API: '3' } }).toString();
    expect(keys).toContain('/kgen-test/namespaces/prefixed');
    expect((await admin.raw('GET', '/api/v1/namespaces/prefixed')).status).toBe(404);
    await other.proc.stop();
  });

  it('uses the next --etcd-servers endpoint when the first does not answer', async () => {
    const dead = await freePort();
    const args = ['--etcd-servers=https://127.0.0.1:' + dead + ',' + cluster.etcdUrl];
    const other = await cluster.startApiServer(args);
    const res = await cluster.client(cluster.admin, other.url).call('GET', '/api/v1/namespaces/default');
    expect(res.metadata.name).toBe('default');
    await other.proc.stop();
  });

  it('encrypts Secrets at rest with aescbc and reads them back', async () => {
    const config = join(cluster.dir, 'encryption.yaml');
    const key = Buffer.alloc(32, 7);
    writeFileSync(
      config,
      `apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers:\n  - aescbc:\n      keys:\n      - name: key1\n        secret: ${key.toString('base64')}\n  - identity: {}\n`,
    );
    const enc = await cluster.startApiServer([`--encryption-provider-config=${config}`]);
    const c = cluster.client(cluster.admin, enc.url);
    await c.call('POST', '/api/v1/namespaces/default/secrets', { metadata: { name: 'enc1' }, stringData: { password: 'hunter2' } });
    const got = await c.call('GET', '/api/v1/namespaces/default/secrets/enc1');
    expect(Buffer.from(got.data.password, 'base64').toString()).toBe('hunter2');
    const raw = execFileSync('etcdctl', [
      `--endpoints=${cluster.etcdUrl}`, `--cacert=${cluster.etcdCA.cert}`, `--cert=${cluster.etcdClient.cert}`, `--key=${cluster.etcdClient.key}`,
      'get', '/registry/secrets/default/enc1', '--print-value-only',
    ], { env: { ...process.env, ETCDCTL_API: '3' } });
    const prefix = 'k8s:enc:aescbc:v1:key1:';
    expect(raw.subarray(0, prefix.length).toString()).toBe(prefix);
    expect(raw.includes(Buffer.from('hunter2'))).toBe(false);
    // Independent decryption: iv(16) + AES-256-CBC(PKCS#7).
    const body = raw.subarray(prefix.length, raw.length - 1); // etcdctl appends a newline
    const d = createDecipheriv('aes-256-cbc', key, body.subarray(0, 16));
    const plain = JSON.parse(Buffer.concat([d.update(body.subarray(16)), d.final()]).toString());
    expect(plain.data.password).toBe(b64('hunter2'));
    await enc.proc.stop();
  });
});

describe('kubectl', () => {
  it('reads cluster-info and nodes through an admin kubeconfig', async () => {
    const kc = kubeconfig(join(cluster.dir, 'admin.conf'), cluster.url, cluster.ca.cert, cluster.admin);
    const raw = execFileSync('kubectl', ['--kubeconfig', kc, 'get', '--raw', '/api/v1/namespaces/kube-public/configmaps/cluster-info']).toString();
    expect(JSON.parse(raw).metadata.name).toBe('cluster-info');
    await eventually('node to exist', async () => ((await admin.raw('GET', '/api/v1/nodes/etcd-key-check')).status === 200 ? true : undefined));
    const nodes = execFileSync('kubectl', ['--kubeconfig', kc, 'get', 'nodes', '-o', 'name']).toString();
    expect(nodes).toContain('node/etcd-key-check');
    const table = execFileSync('kubectl', ['--kubeconfig', kc, 'get', 'nodes']).toString();
    expect(table).toContain('etcd-key-check');
    const ns = execFileSync('kubectl', ['--kubeconfig', kc, 'get', 'namespaces', '-o', 'jsonpath={.items[*].metadata.name}']).toString();
    expect(ns.split(' ')).toEqual(expect.arrayContaining(['default', 'kube-system', 'kube-public', 'kube-node-lease']));
  });
});
