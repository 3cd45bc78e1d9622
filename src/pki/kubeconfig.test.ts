// Kubeconfigs: kubectl must read every file kgen writes, with kubeadm's names, servers and credentials.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { CertKeyPair, KeyAlgorithm } from './types.js';
import { createCA } from './certificate.js';
import {
  buildClusterInfoKubeconfig,
  buildKubeconfig,
  createKubeconfig,
  INIT_KUBECONFIGS,
  JOIN_CONTROL_PLANE_KUBECONFIGS,
  kubeadmKubeconfigSpecs,
  serializeKubeconfig,
} from './kubeconfig.js';
import { ok, Scratch, tool, removeScratches } from './test-support.js';

afterAll(removeScratches);

const NOW = new Date('2026-03-01T12:00:00Z');
const NODE = { nodeName: 'cp-1', advertiseAddress: '10.0.0.11', controlPlaneEndpoint: { host: 'cp.example.test', port: 6443 } };

describe('kubeadmKubeconfigSpecs', () => {
  it.each([
    { version: 'v1.30.4', kubelet: 'https://cp.example.test:6443' },
    { version: 'v1.32.1', kubelet: 'https://cp.example.test:6443' },
    { version: 'v1.33.2', kubelet: 'https://10.0.0.11:6443' },
    { version: 'v1.35.0', kubelet: 'https://10.0.0.11:6443' },
  ])('$version: kubelet.conf talks to $kubelet (ControlPlaneKubeletLocalMode default from v1.33)', ({ version, kubelet }) => {
    const specs = kubeadmKubeconfigSpecs({ ...NODE, kubernetesVersion: version });
    expect(specs).toEqual([
      { file: 'admin.conf', clientName: 'kubernetes-admin', organizations: ['kubeadm:cluster-admins'], server: 'https://cp.example.test:6443' },
      { file: 'super-admin.conf', clientName: 'kubernetes-super-admin', organizations: ['system:masters'], server: 'https://cp.example.test:6443' },
      { file: 'kubelet.conf', clientName: 'system:node:cp-1', organizations: ['system:nodes'], server: kubelet },
      { file: 'controller-manager.conf', clientName: 'system:kube-controller-manager', organizations: [], server: 'https://10.0.0.11:6443' },
      { file: 'scheduler.conf', clientName: 'system:kube-scheduler', organizations: [], server: 'https://10.0.0.11:6443' },
    ]);
  });

  it('brackets IPv6 hosts and honours the bind port', () => {
    const specs = kubeadmKubeconfigSpecs(
      { nodeName: 'n', advertiseAddress: 'fd00::11', bindPort: 8443, controlPlaneEndpoint: { host: 'fd00::1', port: 443 }, kubernetesVersion: 'v1.33.0' },
      JOIN_CONTROL_PLANE_KUBECONFIGS,
    );
    expect(specs.map((s) => `${s.file} ${s.server}`)).toEqual([
      'admin.conf https://[fd00::1]:443',
      'controller-manager.conf https://[fd00::11]:8443',
      'scheduler.conf https://[fd00::11]:8443',
    ]);
  });

  it('rejects an unsupported version', () => {
    expect(() => kubeadmKubeconfigSpecs({ ...NODE, kubernetesVersion: 'v1.20.0' })).toThrow(/not supported/);
  });
});

describe.each<KeyAlgorithm>(['RSA-2048', 'ECDSA-P256'])('kubeadm kubeconfigs with %s client keys', (algorithm) => {
  const scratch = new Scratch();
  let ca: CertKeyPair;
  const specs = kubeadmKubeconfigSpecs({ ...NODE, kubernetesVersion: 'v1.33.2' });

  beforeAll(async () => {
    ca = await createCA({ commonName: 'kubernetes', algorithm, validityHours: 87600 }, { now: NOW });
    scratch.write('pki/ca.crt', ca.cert);
    const files = await Promise.all(specs.map((s) => createKubeconfig(s, { clusterName: 'prod', ca, algorithm, validityHours: 8760 }, { now: NOW })));
    specs.forEach((s, i) => scratch.write(s.file, files[i]!));
  });

  it.each(INIT_KUBECONFIGS)('%s: kubectl reads it; context <user>@prod; client cert chains to the CA with the right subject; client key in kubeadm\'s form', (file) => {
    const spec = specs.find((s) => s.file === file)!;
    const path = `${scratch.dir}/${file}`;
    const contexts = ok('kubectl', ['config', 'get-contexts', '--kubeconfig', path, '--no-headers']).trim().split(/\s+/);
    expect(contexts).toEqual(['*', `${spec.clientName}@prod`, 'prod', spec.clientName]);
    const view = parse(ok('kubectl', ['config', 'view', '--kubeconfig', path, '--raw', '-o', 'yaml']));
    expect(view['current-context']).toBe(`${spec.clientName}@prod`);
    expect(view.clusters).toEqual([{ name: 'prod', cluster: { server: spec.server, 'certificate-authority-data': Buffer.from(ca.cert).toString('base64') } }]);
    const user = view.users[0].user;
    const cert = scratch.write(`${file}.crt`, Buffer.from(user['client-certificate-data'], 'base64'));
    const key = scratch.write(`${file}.key`, Buffer.from(user['client-key-data'], 'base64'));
    expect(ok('openssl', ['verify', '-x509_strict', '-CAfile', `${scratch.dir}/pki/ca.crt`, cert])).toBe(`${cert}: OK\n`);
    const subject = [...spec.organizations.map((o) => `O = ${o}`), `CN = ${spec.clientName}`].join(', ');
    expect(ok('openssl', ['x509', '-in', cert, '-noout', '-subject'])).toBe(`subject=${subject}\n`);
    expect(ok('openssl', ['x509', '-in', cert, '-noout', '-ext', 'extendedKeyUsage'])).toBe('X509v3 Extended Key Usage: \n    TLS Web Client Authentication\n');
    expect(ok('openssl', ['pkey', '-in', key, '-pubout'])).toBe(ok('openssl', ['x509', '-in', cert, '-noout', '-pubkey']));
    // kubeadm embeds keyutil.MarshalPrivateKeyToPEM (phases/kubeconfig/kubeconfig.go buildKubeConfigFromSpec).
    const [label, check] = algorithm === 'ECDSA-P256' ? ['EC PRIVATE KEY', 'ec'] : ['RSA PRIVATE KEY', 'rsa'];
    expect(Buffer.from(user['client-key-data'], 'base64').toString()).toMatch(new RegExp(`^-----BEGIN ${label}-----\n`));
    expect(tool('openssl', [check, '-in', key, '-check', '-noout']).code).toBe(0);
  });
});

describe('kubeconfig shapes', () => {
  const caCertPem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

  it.each([
    { name: 'token', extra: { token: 'abcdef.0123456789abcdef' }, user: { token: 'abcdef.0123456789abcdef' } },
    {
      name: 'certificate files (kubelet.conf after the TLS bootstrap)',
      extra: { clientCertPath: '/var/lib/kubelet/pki/kubelet-client-current.pem', clientKeyPath: '/var/lib/kubelet/pki/kubelet-client-current.pem' },
      user: { 'client-certificate': '/var/lib/kubelet/pki/kubelet-client-current.pem', 'client-key': '/var/lib/kubelet/pki/kubelet-client-current.pem' },
    },
  ])('$name credentials are read back by kubectl', ({ extra, user }) => {
    const scratch = new Scratch();
    const path = scratch.write('k.conf', serializeKubeconfig(buildKubeconfig({ clusterName: 'c', server: 'https://1.2.3.4:6443', caCertPem, userName: 'u', ...extra })));
    const view = parse(ok('kubectl', ['config', 'view', '--kubeconfig', path, '--raw', '-o', 'yaml']));
    expect(view.users).toEqual([{ name: 'u', user }]);
    expect(view.contexts).toEqual([{ name: 'u@c', context: { cluster: 'c', user: 'u' } }]);
  });

  it.each([
    { name: 'no credential', extra: {} },
    { name: 'two credentials', extra: { token: 't', clientCertPath: '/a', clientKeyPath: '/b' } },
    { name: 'a certificate without its key', extra: { clientCertPem: caCertPem } },
  ])('refuses $name', ({ extra }) => {
    expect(() => buildKubeconfig({ clusterName: 'c', server: 'https://x:1', caCertPem, userName: 'u', ...extra })).toThrow(/kubeconfig for "u"/);
  });

  it('cluster-info holds one unnamed cluster with server and CA data, and nothing else (as client-go writes it)', () => {
    const text = serializeKubeconfig(buildClusterInfoKubeconfig({ server: 'https://cp.example.test:6443', caCertPem }));
    expect(text).toBe(
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '- cluster:',
        `    certificate-authority-data: ${Buffer.from(caCertPem).toString('base64')}`,
        '    server: https://cp.example.test:6443',
        '  name: ""',
        'contexts: null',
        'current-context: ""',
        'preferences: {}',
        'users: null',
        '',
      ].join('\n'),
    );
    const scratch = new Scratch();
    const r = tool('kubectl', ['config', 'view', '--kubeconfig', scratch.write('ci.conf', text), '--raw', '-o', 'jsonpath={.clusters[0].cluster.server}']);
    expect(r.stdout).toBe('https://cp.example.test:6443');
  });
});
