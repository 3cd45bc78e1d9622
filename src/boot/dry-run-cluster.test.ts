// The simulated cluster of a joiner's dry run, checked with openssl: its kubeadm-certs open with the node's
// certificate key and hold a CA that signs what they claim, its cluster-info carries the CA whose pin it
// announces, and a whole control-plane join dry run prints certificates that chain to that CA.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { certsToTransfer, openKubeadmCerts } from '../cluster/kubeadm-certs.js';
import { verifyDetachedJWS } from '../cluster/jws.js';
import type { ConfigMap, Secret } from '../kube/index.js';
import { parse } from '../yaml-input.js';
import { main } from './cli.js';
import { kubeCluster } from './data.js';
import { simulateCluster } from './dry-run-cluster.js';
import { CERT_KEY, TOKEN_SECRET, configFor } from './test-fixtures.js';
import { captureIO, testNode } from './test-node.js';

const dir = mkdtempSync(join(tmpdir(), 'kgen-sim-'));
const file = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const openssl = (...args: string[]) => execFileSync('openssl', args, { encoding: 'utf8' });
/** kubeadm's pin computed by openssl: sha256 of the CA certificate's DER SubjectPublicKeyInfo. */
const opensslPin = (certPath: string) => {
  const spki = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'DER'], { input: openssl('x509', '-in', certPath, '-noout', '-pubkey') });
  return `sha256:${execFileSync('openssl', ['dgst', '-sha256', '-hex'], { input: spki, encoding: 'utf8' }).trim().split(' ').pop()}`;
};

describe('simulateCluster', () => {
  it('control-plane joiner, RSA, external etcd, encryption at rest: kubeadm-certs open with the certificate key and hold real CAs', async () => {
    const config = configFor('control-plane-join');
    config.cluster.certificates.keyAlgorithm = 'RSA-2048';
    config.cluster.encryptionAtRest = true;
    config.cluster.etcd = { external: { endpoints: ['https://10.0.0.50:2379'] } };
    const sim = await simulateCluster(config, kubeCluster(config), { kubeadmCerts: true });

    const clusterInfo = sim.get('/api/v1/namespaces/kube-public/configmaps/cluster-info') as ConfigMap;
    const kubeconfig = clusterInfo.data!.kubeconfig!;
    expect(verifyDetachedJWS(kubeconfig, clusterInfo.data!['jws-kubeconfig-abcdef']!, 'abcdef', TOKEN_SECRET)).toBe(true);
    const { clusters } = parse(kubeconfig) as { clusters: Array<{ cluster: { server: string; 'certificate-authority-data': string } }> };
    expect(clusters[0]!.cluster.server).toBe('https://10.0.0.10:6443');
    const caPath = file('cluster-info-ca.crt', Buffer.from(clusters[0]!.cluster['certificate-authority-data'], 'base64').toString());
    expect(opensslPin(caPath)).toBe(sim.caPin);

    const names = certsToTransfer(true, { encryptionAtRest: true });
    const files = new Map(openKubeadmCerts(sim.get('/api/v1/namespaces/kube-system/secrets/kubeadm-certs') as Secret, CERT_KEY, names).map((f) => [f.file, f.data.toString()]));
    expect([...files.keys()]).toEqual(names);
    expect(files.get('ca.crt')).toBe(openssl('x509', '-in', caPath));
    // Each CA key belongs to its certificate; the external etcd client certificate chains to its CA.
    for (const [cert, key] of [['ca.crt', 'ca.key'], ['front-proxy-ca.crt', 'front-proxy-ca.key'], ['external-etcd.crt', 'external-etcd.key']] as const) {
      expect(openssl('x509', '-in', file(cert, files.get(cert)!), '-noout', '-pubkey')).toBe(openssl('pkey', '-in', file(key, files.get(key)!), '-pubout'));
    }
    expect(openssl('pkey', '-in', file('sa.key', files.get('sa.key')!), '-pubout')).toBe(files.get('sa.pub'));
    expect(openssl('verify', '-CAfile', file('external-etcd-ca.crt', files.get('external-etcd-ca.crt')!), join(dir, 'external-etcd.crt'))).toContain(': OK');
    expect(files.get('encryption-config.yaml')).toContain('kind: EncryptionConfiguration');
    expect(sim.names).toEqual(['ConfigMap kube-public/cluster-info', 'ConfigMap kube-system/kubelet-config', 'Secret kube-system/kubeadm-certs']);
  });

  it('worker: no kubeadm-certs', async () => {
    const config = configFor('worker');
    const sim = await simulateCluster(config, kubeCluster(config), { kubeadmCerts: true });
    expect(sim.get('/api/v1/namespaces/kube-system/secrets/kubeadm-certs')).toBeUndefined();
    expect(sim.names).toEqual(['ConfigMap kube-public/cluster-info', 'ConfigMap kube-system/kubelet-config']);
  });

  it('a dry run of discovery alone simulates no kubeadm-certs; one of upload-certs simulates nothing', async () => {
    const node = testNode(configFor('control-plane-join'));
    const c = captureIO();
    expect(await main(['phase', 'discovery', '--dry-run', '--root', node.root], c.io, node.deps), c.err()).toBe(0);
    expect(c.out()).toContain('[dryrun] No cluster is contacted: ConfigMap kube-public/cluster-info, ConfigMap kube-system/kubelet-config are simulated');
    const upload = captureIO();
    await main(['phase', 'upload-certs', '--dry-run', '--root', node.root], upload.io, node.deps);
    expect(upload.out()).not.toContain('No cluster is contacted');
  });

  it("a control-plane join dry run issues this node's certificates from the simulated CA", async () => {
    const node = testNode(configFor('control-plane-join'));
    const c = captureIO();
    expect(await main(['run', '--dry-run', '--skip-phases', 'preflight', '--root', node.root], c.io, { ...node.deps, timeouts: { controlPlaneMs: 1000, apiObjectMs: 1000, pollMs: 10 } }), c.err()).toBe(0);
    const printed = (path: string) => {
      const m = new RegExp(`Would write file "${path}" with content:\\n(-----BEGIN CERTIFICATE-----\\n[^]*?-----END CERTIFICATE-----\\n)`).exec(c.out());
      expect(m, path).not.toBeNull();
      return file(path.replaceAll('/', '_'), m![1]!);
    };
    const ca = printed('/etc/kubernetes/pki/ca.crt');
    expect(c.out()).toContain(`discovery also accepts the throwaway cluster CA (${opensslPin(ca)})`);
    expect(openssl('verify', '-CAfile', ca, printed('/etc/kubernetes/pki/apiserver.crt'))).toContain(': OK');
    expect(openssl('verify', '-CAfile', printed('/etc/kubernetes/pki/etcd/ca.crt'), printed('/etc/kubernetes/pki/etcd/peer.crt'))).toContain(': OK');
  });
});
