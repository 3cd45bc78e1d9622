// Token discovery against the test control plane (test/controlplane): a kube-apiserver stand-in serving
// cluster-info to system:anonymous through kubeadm's Role/RoleBinding, and the controller-manager's
// bootstrapsigner adding jws-kubeconfig-<id> for a signing bootstrap token. The signature is written by the
// test control plane, not by kgen, so this checks the wire format end to end.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundle, freePort, kubeconfig, startCluster, startProcess, type Proc, type TestCluster } from '../../test/controlplane/harness.js';
import type { KubeClient } from '../../test/controlplane/kube-client.js';
import { buildClusterInfoKubeconfig, caCertHash, serializeKubeconfig } from '../pki/index.js';
import { discover, DiscoveryError, httpsClusterInfoFetcher, type DiscoveryDeps } from './discovery.js';
import { realClock } from '../clock.js';

const TOKEN_ID = 'kgen01';
const TOKEN_SECRET = 'q8w7e6r5t4y3u2i1';
const RBAC = '/apis/rbac.authorization.k8s.io/v1';
const b64 = (s: string) => Buffer.from(s).toString('base64');

let cluster: TestCluster;
let admin: KubeClient;
let kcm: Proc;
let caPem: string;
let clusterInfo: string;
const logs: string[] = [];

beforeAll(async () => {
  cluster = await startCluster();
  admin = cluster.adminClient();
  caPem = readFileSync(cluster.ca.cert, 'utf8');
  const kcmCert = cluster.pki.leaf('controller-manager', cluster.ca, '/CN=system:kube-controller-manager');
  const conf = kubeconfig(join(cluster.dir, 'controller-manager.conf'), cluster.url, cluster.ca.cert, kcmCert);
  kcm = startProcess(process.execPath, [
    await bundle('kube-controller-manager'),
    `--secure-port=${await freePort()}`,
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
    '--service-cluster-ip-range=10.96.0.0/12',
  ]);
  // What kubeadm's bootstrap-token phase creates (cmd/kubeadm/app/phases/bootstraptoken/clusterinfo).
  clusterInfo = serializeKubeconfig(buildClusterInfoKubeconfig({ server: cluster.url, caCertPem: caPem }));
  await admin.call('POST', '/api/v1/namespaces/kube-public/configmaps', { metadata: { name: 'cluster-info', namespace: 'kube-public' }, data: { kubeconfig: clusterInfo } });
  await admin.call('POST', `${RBAC}/namespaces/kube-public/roles`, {
    metadata: { name: 'kubeadm:bootstrap-signer-clusterinfo', namespace: 'kube-public' },
    rules: [{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['cluster-info'], verbs: ['get'] }],
  });
  await admin.call('POST', `${RBAC}/namespaces/kube-public/rolebindings`, {
    metadata: { name: 'kubeadm:bootstrap-signer-clusterinfo', namespace: 'kube-public' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'kubeadm:bootstrap-signer-clusterinfo' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'system:anonymous' }],
  });
  await admin.call('POST', '/api/v1/namespaces/kube-system/secrets', {
    metadata: { name: `bootstrap-token-${TOKEN_ID}`, namespace: 'kube-system' },
    type: 'bootstrap.kubernetes.io/token',
    data: {
      'token-id': b64(TOKEN_ID),
      'token-secret': b64(TOKEN_SECRET),
      'usage-bootstrap-authentication': b64('true'),
      'usage-bootstrap-signing': b64('true'),
      'auth-extra-groups': b64('system:bootstrappers:kubeadm:default-node-token'),
    },
  });
}, 120_000);

afterAll(async () => {
  await kcm?.stop();
  await cluster?.cleanup();
  for (const line of logs) expect(line).not.toContain(TOKEN_SECRET);
});

function deps(clock: DiscoveryDeps['clock'] = realClock): DiscoveryDeps {
  return { fetchClusterInfo: httpsClusterInfoFetcher(), clock, random: Math.random, log: (l) => logs.push(l) };
}

describe('discovery against the test control plane', () => {
  it('waits for the bootstrapsigner, verifies its signature and pins the cluster CA', async () => {
    const endpoint = new URL(cluster.url).host;
    const result = await discover({ apiServerEndpoint: endpoint, token: `${TOKEN_ID}.${TOKEN_SECRET}`, caCertHashes: [caCertHash(caPem)], timeoutSeconds: 60 }, deps());
    expect(result).toEqual({ server: cluster.url, caCertPem: caPem, clusterName: 'kubernetes', kubeconfig: clusterInfo });
  });

  it('refuses the signature under a wrong secret for the same token id', async () => {
    const endpoint = new URL(cluster.url).host;
    const err = await discover({ apiServerEndpoint: endpoint, token: `${TOKEN_ID}.0000000000000000`, caCertHashes: [caCertHash(caPem)], timeoutSeconds: 60 }, deps()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiscoveryError);
    expect((err as DiscoveryError).reason).toBe('jws-invalid');
  });

  it('reports no-signature for a token the cluster does not know', async () => {
    let t = Date.now();
    const fake = { now: () => new Date(t), sleep: async (ms: number) => void (t += ms) };
    const endpoint = new URL(cluster.url).host;
    const err = await discover({ apiServerEndpoint: endpoint, token: 'zzzzzz.0123456789abcdef', caCertHashes: [caCertHash(caPem)], timeoutSeconds: 5 }, deps(fake)).catch((e: unknown) => e);
    expect((err as DiscoveryError).reason).toBe('no-signature');
    expect((err as Error).message).toContain('no JWS signature for token id zzzzzz in cluster-info');
    expect((err as Error).message).not.toContain('0123456789abcdef');
  });
});
