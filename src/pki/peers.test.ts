// The certificates in real use: a TLS handshake with mutual authentication (Node's OpenSSL), and a real etcd
// started with kubeadm's TLS flags and queried by etcdctl with the healthcheck and apiserver client certificates.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { connect, createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CertKeyPair, KeyAlgorithm } from './types.js';
import { createCA, createCertAndKey } from './certificate.js';
import { kubeadmCAList, kubeadmCertList, type KubeadmCAName } from './certlist.js';
import { Scratch, tool, removeScratches } from './test-support.js';
import { freePort } from '../../test/helpers.js';

afterAll(removeScratches);

const CLUSTER = {
  controlPlaneEndpoint: { host: 'lb.example.test', port: 6443 },
  networking: { serviceSubnet: '10.96.0.0/12', dnsDomain: 'cluster.local' },
  apiServer: { certSANs: [] },
  certificates: { validityHours: 8760 },
};

async function issueAll(algorithm: KeyAlgorithm): Promise<Map<string, CertKeyPair>> {
  const out = new Map<string, CertKeyPair>();
  const cas = {} as Record<KubeadmCAName, CertKeyPair>;
  for (const ca of kubeadmCAList(true)) {
    cas[ca.name] = await createCA({ commonName: ca.commonName, algorithm, validityHours: 87600 });
    out.set(ca.baseName, cas[ca.name]);
  }
  const list = kubeadmCertList({ nodeName: 'cp-1', advertiseAddress: '127.0.0.1', localEtcd: true, cluster: CLUSTER });
  const pairs = await Promise.all(list.map((s) => createCertAndKey({ ...s, algorithm }, cas[s.ca])));
  list.forEach((s, i) => out.set(s.baseName, pairs[i]!));
  return out;
}

describe.each<KeyAlgorithm>(['RSA-2048', 'ECDSA-P256'])('%s certificates in use', (algorithm) => {
  let pki: Map<string, CertKeyPair>;
  const get = (base: string) => pki.get(base)!;

  beforeAll(async () => {
    pki = await issueAll(algorithm);
  });

  async function handshake(servername: string): Promise<{ clientCN: string; error?: string }> {
    const server = createTlsServer({ cert: get('apiserver').cert, key: get('apiserver').key, ca: get('ca').cert, requestCert: true, rejectUnauthorized: true });
    let clientCN = '';
    server.on('secureConnection', (s: TLSSocket) => {
      clientCN = String(s.getPeerCertificate().subject?.CN ?? '');
      s.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      await new Promise<void>((resolve, reject) => {
        const c = connect({ host: '127.0.0.1', port, servername, ca: get('ca').cert, cert: get('apiserver-kubelet-client').cert, key: get('apiserver-kubelet-client').key });
        c.on('data', () => c.end());
        c.on('end', resolve);
        c.on('error', reject);
      });
      return { clientCN };
    } catch (e) {
      return { clientCN, error: (e as Error).message };
    } finally {
      server.close();
    }
  }

  it.each(['kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', 'lb.example.test', 'cp-1'])(
    'a TLS client verifies the apiserver certificate for %s and the server accepts the client certificate',
    async (name) => {
      expect(await handshake(name)).toEqual({ clientCN: 'kube-apiserver-kubelet-client' });
    },
  );

  it('a TLS client rejects the apiserver certificate for a name it does not carry', async () => {
    expect((await handshake('other.example.test')).error).toMatch(/Hostname\/IP does not match certificate's altnames/);
  });

  describe('etcd with kubeadm TLS flags', () => {
    const scratch = new Scratch();
    let etcd: ChildProcess | undefined;
    let clientURL = '';
    const file = (base: string, ext: 'crt' | 'key') => `${scratch.dir}/${base}.${ext}`;
    const etcdctl = (client: string, ...args: string[]) =>
      tool('etcdctl', ['--endpoints', clientURL, '--cacert', file('etcd/ca', 'crt'), '--cert', file(client, 'crt'), '--key', file(client, 'key'), '--command-timeout=5s', ...args]);

    beforeAll(async () => {
      for (const [base, pair] of pki) {
        scratch.write(`${base}.crt`, pair.cert);
        scratch.write(`${base}.key`, pair.key);
      }
      const [clientPort, peerPort] = [await freePort(), await freePort()];
      clientURL = `https://127.0.0.1:${clientPort}`;
      const peerURL = `https://127.0.0.1:${peerPort}`;
      etcd = spawn(
        'etcd',
        [
          '--name=cp-1',
          `--data-dir=${scratch.dir}/data`,
          `--listen-client-urls=${clientURL}`,
          `--advertise-client-urls=${clientURL}`,
          `--listen-peer-urls=${peerURL}`,
          `--initial-advertise-peer-urls=${peerURL}`,
          `--initial-cluster=cp-1=${peerURL}`,
          `--cert-file=${file('etcd/server', 'crt')}`,
          `--key-file=${file('etcd/server', 'key')}`,
          '--client-cert-auth=true',
          `--trusted-ca-file=${file('etcd/ca', 'crt')}`,
          `--peer-cert-file=${file('etcd/peer', 'crt')}`,
          `--peer-key-file=${file('etcd/peer', 'key')}`,
          '--peer-client-cert-auth=true',
          `--peer-trusted-ca-file=${file('etcd/ca', 'crt')}`,
          '--listen-metrics-urls=http://127.0.0.1:0',
        ],
        // etcd logs to stderr; a file, because etcdctl runs synchronously and would starve a pipe.
        { stdio: ['ignore', 'ignore', openSync(`${scratch.dir}/etcd.log`, 'w')] },
      );
      for (let i = 0; i < 100; i++) {
        if (etcdctl('etcd/healthcheck-client', 'endpoint', 'health').code === 0) return;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error('etcd did not become healthy');
    });

    afterAll(() => {
      if (etcd?.pid) process.kill(etcd.pid);
    });

    it('etcdctl reaches etcd with the healthcheck client and the apiserver-etcd-client certificates', () => {
      expect(etcdctl('etcd/healthcheck-client', 'endpoint', 'health').stderr).toMatch(/is healthy/);
      expect(etcdctl('apiserver-etcd-client', 'put', '/registry/kgen', 'v1').code).toBe(0);
      expect(etcdctl('apiserver-etcd-client', 'get', '/registry/kgen', '--print-value-only').stdout).toBe('v1\n');
    });

    it('etcd refuses a client certificate from another CA', () => {
      const r = etcdctl('apiserver-kubelet-client', 'endpoint', 'health');
      expect(r.code).not.toBe(0);
      expect(readFileSync(`${scratch.dir}/etcd.log`, 'utf8')).toMatch(/rejected connection.*certificate signed by unknown authority/);
    });
  });
});
