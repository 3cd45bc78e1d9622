// The test kube-controller-manager against the test kube-apiserver and a real etcd, started with
// kubeadm's flags and its own client-certificate kubeconfig (and --use-service-account-credentials,
// so every controller runs under its upstream ServiceAccount and RBAC): cluster-info signing
// verified with node:crypto HMAC, token cleanup, and the kubelet TLS bootstrap CSR flow with a
// bootstrap token (approval through SubjectAccessReview, signing with the cluster CA, verified by
// openssl).
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundle, eventually, freePort, kubeconfig, startCluster, startProcess, type Proc, type TestCluster } from './harness.js';
import type { KubeClient } from './kube-client.js';

let cluster: TestCluster;
let admin: KubeClient;
let kcm: Proc;
let healthPort: number;

const b64 = (s: string) => Buffer.from(s).toString('base64');
const rfc3339 = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
const DEFAULT_GROUP = 'system:bootstrappers:kubeadm:default-node-token';
const RBAC = '/apis/rbac.authorization.k8s.io/v1';
const CSRS = '/apis/certificates.k8s.io/v1/certificatesigningrequests';

async function createToken(id: string, secret: string, opts: { expiration?: Date; groups?: string; signing?: boolean } = {}) {
  await admin.call('POST', '/api/v1/namespaces/kube-system/secrets', {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system' },
    type: 'bootstrap.kubernetes.io/token',
    data: {
      'token-id': b64(id),
      'token-secret': b64(secret),
      ...(opts.expiration ? { expiration: b64(rfc3339(opts.expiration)) } : {}),
      'usage-bootstrap-authentication': b64('true'),
      ...(opts.signing === false ? {} : { 'usage-bootstrap-signing': b64('true') }),
      'auth-extra-groups': b64(opts.groups ?? DEFAULT_GROUP),
    },
  });
}

function clusterBinding(name: string, role: string, group: string) {
  return admin.call('POST', `${RBAC}/clusterrolebindings`, {
    metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: group }],
  });
}

function makeCsr(name: string, subject: string, sans?: string): string {
  const out = join(cluster.dir, `${name}.csr`);
  execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(cluster.dir, `${name}.key`), '-out', out, '-subj', subject, ...(sans ? ['-addext', `subjectAltName=${sans}`] : [])], { stdio: 'ignore' });
  return readFileSync(out, 'utf8');
}

function csrObject(name: string, pem: string, signerName: string, usages: string[]) {
  return { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name }, spec: { request: b64(pem), signerName, usages } };
}

const issued = (name: string) =>
  eventually(`certificate for CSR ${name}\n${kcm.output()}`, async () => {
    const csr = await admin.call('GET', `${CSRS}/${name}`);
    return csr.status?.certificate ? (csr as { status: { certificate: string; conditions: Array<{ type: string; reason: string }> } }) : undefined;
  });

beforeAll(async () => {
  cluster = await startCluster();
  admin = cluster.adminClient();
  const kcmCert = cluster.pki.leaf('controller-manager', cluster.ca, '/CN=system:kube-controller-manager');
  const conf = kubeconfig(join(cluster.dir, 'controller-manager.conf'), cluster.url, cluster.ca.cert, kcmCert);
  const program = await bundle('kube-controller-manager');
  healthPort = await freePort();
  kcm = startProcess(process.execPath, [
    program,
    `--secure-port=${healthPort}`,
    `--authentication-kubeconfig=${conf}`,
    `--authorization-kubeconfig=${conf}`,
    '--bind-address=127.0.0.1',
    `--client-ca-file=${cluster.ca.cert}`,
    '--cluster-name=kubernetes',
    `--cluster-signing-cert-file=${cluster.ca.cert}`,
    `--cluster-signing-key-file=${cluster.ca.key}`,
    '--controllers=*,bootstrapsigner,tokencleaner',
    `--kubeconfig=${conf}`,
    '--leader-elect=true',
    `--requestheader-client-ca-file=${cluster.ca.cert}`,
    `--root-ca-file=${cluster.ca.cert}`,
    `--service-account-private-key-file=${cluster.sa.key}`,
    '--use-service-account-credentials=true',
    '--allocate-node-cidrs=true',
    '--cluster-cidr=10.244.0.0/16',
    '--service-cluster-ip-range=10.96.0.0/12',
    // Short enough for a test to watch a node go silent.
    '--node-monitor-grace-period=3s',
    '--node-startup-grace-period=3s',
  ]);
  // kubeadm's bootstrap-token phase RBAC (cmd/kubeadm/app/phases/bootstraptoken/node).
  await clusterBinding('kubeadm:kubelet-bootstrap', 'system:node-bootstrapper', DEFAULT_GROUP);
  await clusterBinding('kubeadm:node-autoapprove-bootstrap', 'system:certificates.k8s.io:certificatesigningrequests:nodeclient', DEFAULT_GROUP);
  await clusterBinding('kubeadm:node-autoapprove-certificate-rotation', 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', 'system:nodes');
}, 120_000);

afterAll(async () => {
  await kcm?.stop();
  await cluster?.cleanup();
});

describe('leader election and identities', () => {
  it('holds the kube-controller-manager Lease and runs controllers as their ServiceAccounts', async () => {
    const lease = await eventually('leader lease', async () => (await admin.call('GET', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-controller-manager')));
    expect(lease.spec.holderIdentity).toMatch(/_/);
    for (const sa of ['bootstrap-signer', 'token-cleaner', 'certificate-controller']) {
      await eventually(`ServiceAccount ${sa}`, async () => ((await admin.raw('GET', `/api/v1/namespaces/kube-system/serviceaccounts/${sa}`)).status === 200 ? true : undefined));
    }
  });
});

describe('leader election with two controller-managers', () => {
  it('lets only the Lease holder act; the second waits', async () => {
    const conf = join(cluster.dir, 'controller-manager.conf');
    const second = startProcess(process.execPath, [await bundle('kube-controller-manager'), `--kubeconfig=${conf}`, '--secure-port=0', '--leader-elect=true']);
    try {
      await eventually('the second controller-manager to report it is not the leader', async () => (second.output().includes('not the leader; waiting') ? true : undefined));
      const lease = await admin.call('GET', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-controller-manager');
      expect(kcm.output()).toContain('became leader');
      expect(second.output()).not.toContain('became leader');
      expect(lease.spec.leaseTransitions).toBe(0);
    } finally {
      await second.stop();
    }
  });
});

describe('bootstrapsigner', () => {
  it('signs cluster-info for each signing token, verifiable with the token secret, and drops removed tokens', async () => {
    const content = 'apiVersion: v1\nclusters:\n- cluster:\n    server: https://10.0.0.10:6443\n  name: ""\nkind: Config\n';
    await admin.call('POST', '/api/v1/namespaces/kube-public/configmaps', { metadata: { name: 'cluster-info', namespace: 'kube-public' }, data: { kubeconfig: content } });
    await createToken('sign01', 'aaaaaaaaaaaaaaaa', { expiration: new Date(Date.now() + 3600_000) });
    await createToken('sign02', 'bbbbbbbbbbbbbbbb', { signing: false });
    await createToken('sign03', 'cccccccccccccccc');
    const data = await eventually('signatures', async () => {
      const cm = await admin.call('GET', '/api/v1/namespaces/kube-public/configmaps/cluster-info');
      return cm.data['jws-kubeconfig-sign01'] && cm.data['jws-kubeconfig-sign03'] ? (cm.data as Record<string, string>) : undefined;
    });
    expect(data['jws-kubeconfig-sign02']).toBeUndefined();
    const [header, payload, mac] = data['jws-kubeconfig-sign01']!.split('.');
    expect(payload).toBe('');
    expect(Buffer.from(header!, 'base64url').toString()).toBe('{"alg":"HS256","kid":"sign01"}');
    expect(mac).toBe(createHmac('sha256', 'aaaaaaaaaaaaaaaa').update(`${header}.${Buffer.from(content).toString('base64url')}`).digest('base64url'));

    await admin.call('DELETE', '/api/v1/namespaces/kube-system/secrets/bootstrap-token-sign03');
    await eventually('signature removal', async () => {
      const cm = await admin.call('GET', '/api/v1/namespaces/kube-public/configmaps/cluster-info');
      return cm.data['jws-kubeconfig-sign03'] === undefined ? true : undefined;
    });
  });
});

describe('tokencleaner', () => {
  it('deletes expired bootstrap token Secrets and keeps the others', async () => {
    await createToken('live01', 'dddddddddddddddd', { expiration: new Date(Date.now() + 3600_000) });
    await createToken('dead01', 'eeeeeeeeeeeeeeee', { expiration: new Date(Date.now() - 1000) });
    await eventually('expired token deletion', async () =>
      (await admin.raw('GET', '/api/v1/namespaces/kube-system/secrets/bootstrap-token-dead01')).status === 404 ? true : undefined,
    );
    expect((await admin.raw('GET', '/api/v1/namespaces/kube-system/secrets/bootstrap-token-live01')).status).toBe(200);
  });
});

describe('kubelet TLS bootstrap', () => {
  it('approves and signs a node client CSR created with a bootstrap token; the certificate authenticates as the node', async () => {
    await createToken('boot01', 'ffffffffffffffff', { expiration: new Date(Date.now() + 3600_000) });
    await createToken('other1', '1111111111111111', { groups: 'system:bootstrappers:other' });
    // A token whose group lacks the nodeclient binding: may create a CSR, but it is not auto-approved.
    const other = cluster.client({ token: 'other1.1111111111111111' });
    await admin.call('POST', `${RBAC}/clusterrolebindings`, {
      metadata: { name: 'other-bootstrap' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:node-bootstrapper' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:bootstrappers:other' }],
    });
    await other.call('POST', CSRS, csrObject('csr-unapproved', makeCsr('w2', '/O=system:nodes/CN=system:node:w2'), 'kubernetes.io/kube-apiserver-client-kubelet', ['digital signature', 'client auth']));

    const boot = cluster.client({ token: 'boot01.ffffffffffffffff' });
    const created = await boot.call('POST', CSRS, {
      ...csrObject('', makeCsr('w1', '/O=system:nodes/CN=system:node:w1'), 'kubernetes.io/kube-apiserver-client-kubelet', ['digital signature', 'client auth']),
      metadata: { generateName: 'csr-' },
    });
    expect(created.metadata.name).toMatch(/^csr-[a-z0-9]{5}$/);
    expect(created.spec.username).toBe('system:bootstrap:boot01');
    expect(created.spec.groups).toEqual(['system:bootstrappers', DEFAULT_GROUP, 'system:authenticated']);

    const done = await issued(created.metadata.name);
    expect(done.status.conditions[0]).toMatchObject({ type: 'Approved', reason: 'AutoApproved', message: 'Auto approving kubelet client certificate after SubjectAccessReview.' });
    const certPath = join(cluster.dir, 'w1.crt');
    writeFileSync(certPath, Buffer.from(done.status.certificate, 'base64'));
    expect(execFileSync('openssl', ['verify', '-purpose', 'sslclient', '-CAfile', cluster.ca.cert, certPath]).toString().trim()).toBe(`${certPath}: OK`);
    expect(execFileSync('openssl', ['x509', '-in', certPath, '-noout', '-subject', '-nameopt', 'RFC2253']).toString().trim()).toBe('subject=CN=system:node:w1,O=system:nodes');

    const pending = await admin.call('GET', `${CSRS}/csr-unapproved`);
    expect(pending.status.conditions ?? []).toEqual([]);
    expect(pending.status.certificate).toBeUndefined();

    // The issued certificate is a node identity: it may register its own Node.
    const node = cluster.client({ cert: certPath, key: join(cluster.dir, 'w1.key') });
    expect((await node.raw('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'w1' } })).status).toBe(201);

    // Renewal: the node asks for a new client certificate with its own name (selfnodeclient).
    const renewal = await node.call('POST', CSRS, csrObject('csr-renew-w1', makeCsr('w1b', '/O=system:nodes/CN=system:node:w1'), 'kubernetes.io/kube-apiserver-client-kubelet', ['digital signature', 'client auth']));
    expect(renewal.spec.username).toBe('system:node:w1');
    const renewed = await issued('csr-renew-w1');
    expect(renewed.status.conditions[0]!.reason).toBe('AutoApproved');
  });

  it('lets only an authorized approver approve; signs kubelet-serving after manual approval; fails requests the signer rejects', async () => {
    const node = cluster.pki.leaf('node-w5', cluster.ca, '/O=system:nodes/CN=system:node:w5');
    const nodeClient = cluster.client(node);
    await nodeClient.call('POST', CSRS, csrObject('csr-serving-w5', makeCsr('w5s', '/O=system:nodes/CN=system:node:w5', 'DNS:w5,IP:10.0.0.5'), 'kubernetes.io/kubelet-serving', ['digital signature', 'server auth']));
    const csr = await admin.call('GET', `${CSRS}/csr-serving-w5`);
    const approval = { ...csr, status: { conditions: [{ type: 'Approved', status: 'True', reason: 'Test', message: 'approved by test' }] } };
    const denied = await nodeClient.raw('PUT', `${CSRS}/csr-serving-w5/approval`, approval);
    expect(denied.status).toBe(403);
    await admin.call('PUT', `${CSRS}/csr-serving-w5/approval`, approval);
    const done = await issued('csr-serving-w5');
    const certPath = join(cluster.dir, 'w5s.crt');
    writeFileSync(certPath, Buffer.from(done.status.certificate, 'base64'));
    expect(execFileSync('openssl', ['verify', '-purpose', 'sslserver', '-CAfile', cluster.ca.cert, certPath]).toString().trim()).toBe(`${certPath}: OK`);
    expect(execFileSync('openssl', ['x509', '-in', certPath, '-noout', '-ext', 'subjectAltName']).toString()).toContain('DNS:w5, IP Address:10.0.0.5');

    await admin.call('POST', CSRS, csrObject('csr-bad-org', makeCsr('bad', '/O=system:masters/CN=system:node:w6'), 'kubernetes.io/kube-apiserver-client-kubelet', ['digital signature', 'client auth']));
    const bad = await admin.call('GET', `${CSRS}/csr-bad-org`);
    await admin.call('PUT', `${CSRS}/csr-bad-org/approval`, { ...bad, status: { conditions: [{ type: 'Approved', status: 'True', reason: 'Test' }] } });
    const failed = await eventually('Failed condition', async () => {
      const c = await admin.call('GET', `${CSRS}/csr-bad-org`);
      return c.status.conditions.find((x: { type: string }) => x.type === 'Failed');
    });
    expect(failed).toMatchObject({ reason: 'SignerValidationFailure', message: 'subject organization is not system:nodes' });
  });

  it('kubectl lists the CSRs with the admin kubeconfig', () => {
    const kc = kubeconfig(join(cluster.dir, 'admin.conf'), cluster.url, cluster.ca.cert, cluster.admin);
    const out = execFileSync('kubectl', ['--kubeconfig', kc, 'get', 'csr', '-o', 'name']).toString();
    expect(out).toContain('certificatesigningrequest.certificates.k8s.io/csr-serving-w5');
  });
});

describe('garbage collector, node IPAM and namespace publishers', () => {
  it('deletes a Secret owned by a bootstrap token Secret once the token is gone (kubeadm-certs pattern)', async () => {
    await createToken('owner1', '2222222222222222', { expiration: new Date(Date.now() + 3600_000) });
    const owner = await admin.call('GET', '/api/v1/namespaces/kube-system/secrets/bootstrap-token-owner1');
    const ownerRef = { apiVersion: 'v1', kind: 'Secret', name: owner.metadata.name, uid: owner.metadata.uid, blockOwnerDeletion: true, controller: true };
    await admin.call('POST', '/api/v1/namespaces/kube-system/secrets', { metadata: { name: 'kubeadm-certs-test', ownerReferences: [ownerRef] }, data: { 'ca.crt': b64('x') } });
    await admin.call('POST', '/api/v1/namespaces/kube-system/configmaps', {
      metadata: { name: 'two-owners', ownerReferences: [ownerRef, { apiVersion: 'v1', kind: 'Namespace', name: 'kube-system', uid: (await admin.call('GET', '/api/v1/namespaces/kube-system')).metadata.uid }] },
    });
    await admin.call('DELETE', '/api/v1/namespaces/kube-system/secrets/bootstrap-token-owner1');
    await eventually(`kubeadm-certs-test deletion\n${kcm.output()}`, async () =>
      (await admin.raw('GET', '/api/v1/namespaces/kube-system/secrets/kubeadm-certs-test')).status === 404 ? true : undefined,
    );
    const remaining = await eventually('dangling owner reference removal', async () => {
      const cm = await admin.call('GET', '/api/v1/namespaces/kube-system/configmaps/two-owners');
      return cm.metadata.ownerReferences.length === 1 ? cm : undefined;
    });
    expect(remaining.metadata.ownerReferences[0].kind).toBe('Namespace');
  });

  it('assigns each Node a distinct /24 from --cluster-cidr', async () => {
    for (const name of ['ipam-a', 'ipam-b']) await admin.call('POST', '/api/v1/nodes', { metadata: { name } });
    const cidrs = await eventually('podCIDRs', async () => {
      const got = await Promise.all(['ipam-a', 'ipam-b'].map(async (n) => (await admin.call('GET', `/api/v1/nodes/${n}`)).spec?.podCIDR as string | undefined));
      return got.every(Boolean) ? got : undefined;
    });
    expect(new Set(cidrs).size).toBe(2);
    for (const c of cidrs) expect(c).toMatch(/^10\.244\.\d+\.0\/24$/);
    const node = await admin.call('GET', '/api/v1/nodes/ipam-a');
    expect(node.spec.podCIDRs).toEqual([node.spec.podCIDR]);
  });

  it('publishes kube-root-ca.crt and a default ServiceAccount in every namespace', async () => {
    await admin.call('POST', '/api/v1/namespaces', { metadata: { name: 'late' } });
    const cm = await eventually('kube-root-ca.crt in a new namespace', async () => {
      const res = await admin.raw('GET', '/api/v1/namespaces/late/configmaps/kube-root-ca.crt');
      return res.status === 200 ? res.body : undefined;
    });
    expect(cm.data['ca.crt']).toBe(readFileSync(cluster.ca.cert, 'utf8'));
    await eventually('default ServiceAccount', async () => ((await admin.raw('GET', '/api/v1/namespaces/late/serviceaccounts/default')).status === 200 ? true : undefined));
    expect((await admin.raw('GET', '/api/v1/namespaces/kube-public/configmaps/kube-root-ca.crt')).status).toBe(200);
  });

  it('empties and removes a deleted namespace (namespace controller)', async () => {
    await admin.call('POST', '/api/v1/namespaces', { metadata: { name: 'gone' } });
    await admin.call('POST', '/api/v1/namespaces/gone/configmaps', { metadata: { name: 'c1' } });
    await admin.call('POST', '/api/v1/namespaces/gone/secrets', { metadata: { name: 's1' } });
    await admin.call('DELETE', '/api/v1/namespaces/gone');
    await eventually(`namespace removal\n${kcm.output()}`, async () => ((await admin.raw('GET', '/api/v1/namespaces/gone')).status === 404 ? true : undefined));
    expect((await admin.call('GET', '/api/v1/configmaps?fieldSelector=metadata.namespace%3Dgone')).items).toEqual([]);
  });

  it('marks a silent node Unknown and unreachable, and lifts the taints when it reports Ready again', async () => {
    const heartbeat = () => ({ status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') }] } });
    await admin.call('POST', '/api/v1/nodes', { metadata: { name: 'silent' } });
    await admin.call('PATCH', '/api/v1/nodes/silent/status', heartbeat(), 'application/strategic-merge-patch+json');
    const unknown = await eventually(`node silent Unknown\n${kcm.output()}`, async () => {
      const n = await admin.call('GET', '/api/v1/nodes/silent');
      const ready = n.status.conditions.find((c: { type: string }) => c.type === 'Ready');
      return ready.status === 'Unknown' && (n.spec.taints ?? []).length === 2 ? n : undefined;
    });
    expect(unknown.status.conditions.find((c: { type: string }) => c.type === 'Ready')).toMatchObject({ reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' });
    expect(unknown.spec.taints.map((t: { key: string; effect: string }) => `${t.key}:${t.effect}`)).toEqual([
      'node.kubernetes.io/unreachable:NoSchedule',
      'node.kubernetes.io/unreachable:NoExecute',
    ]);
    await admin.call('PATCH', '/api/v1/nodes/silent/status', heartbeat(), 'application/strategic-merge-patch+json');
    await eventually('unreachable taints removed', async () => ((await admin.call('GET', '/api/v1/nodes/silent')).spec.taints?.length ? undefined : true));
  });

  it('answers /healthz on its secure port', async () => {
    const out = execFileSync('curl', ['-sk', `https://127.0.0.1:${healthPort}/healthz`]).toString();
    expect(out).toBe('ok');
  });
});

describe('flags', () => {
  it.each([
    { what: 'an unknown flag', args: ['--kubeconfig=/dev/null', '--bogus=1'], message: 'unknown flag: --bogus' },
    { what: 'an unknown controller', args: ['--kubeconfig=/dev/null', '--controllers=*,nosuchcontroller'], message: '"nosuchcontroller" is not in the list of known controllers' },
    { what: 'a missing kubeconfig file', args: ['--kubeconfig=/nonexistent.conf'], message: '--kubeconfig=/nonexistent.conf: cannot read file: ENOENT' },
  ])('refuses to start with $what', async ({ args, message }) => {
    const proc = startProcess(process.execPath, [await bundle('kube-controller-manager'), ...args]);
    const code = await new Promise<number | null>((resolve) => proc.child.once('exit', resolve));
    expect(code).toBe(1);
    expect(proc.output()).toContain(message);
  });
});
