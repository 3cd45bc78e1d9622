import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { toYamlDocuments } from '../yaml.js';
import { ENCRYPTION_CONFIG_FILE } from '../kube/constants.js';
import { bootstrapTokenSecret } from './bootstrap-token.js';
import {
  ENCRYPTION_CONFIG_TRANSFER_NAME,
  EnvelopeError,
  KubeadmCertsError,
  certsProxyToken,
  certsToTransfer,
  kubeadmCertsRBAC,
  kubeadmCertsSecret,
  openKubeadmCert,
  openKubeadmCerts,
  sealKubeadmCert,
} from './kubeadm-certs.js';

const KEY = 'a'.repeat(64);
const OTHER = 'b'.repeat(64);
const CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const PRIV = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';
const PUB = '-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n';

function secret(files: Record<string, string>, key = KEY) {
  const sealed = new Map(Object.entries(files).map(([f, text]) => [f, sealKubeadmCert(key, Buffer.from(text))]));
  return kubeadmCertsSecret(sealed, { tokenID: 'abcdef', uid: 'uid-1' });
}

const catchError = (f: () => unknown): KubeadmCertsError => {
  try {
    f();
  } catch (err) {
    return err as KubeadmCertsError;
  }
  throw new Error('expected an error');
};

describe('openKubeadmCerts', () => {
  it('opens every file with kubeadm modes: private keys 0600, certificates and public keys 0644', () => {
    const files = openKubeadmCerts(secret({ 'ca.crt': CERT, 'ca.key': PRIV, 'sa.pub': PUB, 'etcd/ca.key': PRIV }), KEY, ['ca.crt', 'ca.key', 'sa.pub', 'etcd/ca.key']);
    expect(files.map((f) => [f.file, f.data.toString(), f.mode])).toEqual([
      ['ca.crt', CERT, 0o644],
      ['ca.key', PRIV, 0o600],
      ['sa.pub', PUB, 0o644],
      ['etcd/ca.key', PRIV, 0o600],
    ]);
  });

  it('keeps the EncryptionConfiguration (kgen transfers it with encryption at rest) at 0600', () => {
    const [file] = openKubeadmCerts(secret({ 'encryption-config.yaml': 'kind: EncryptionConfiguration\n' }), KEY, ['encryption-config.yaml']);
    expect(file!.mode).toBe(0o600);
  });

  it.each([
    ['the Secret is missing (expired with its proxy token)', undefined, ['ca.crt'], KEY, 'missing', /was not found.*deleted when its proxy bootstrap token expires.*kgen-boot phase upload-certs/s],
    ['the certificate key does not open it', secret({ 'ca.crt': CERT }, OTHER), ['ca.crt'], KEY, 'wrong-key', /the key does not match the one the Secret was sealed with/],
    ['an entry is missing', secret({ 'ca.crt': CERT }), ['ca.crt', 'ca.key'], KEY, 'incomplete', /does not include the required certificate or key "ca.key"/],
  ] as const)('fails with a clear message when %s', (_, s, files, key, reason, message) => {
    const err = catchError(() => openKubeadmCerts(s, key, files));
    expect(err).toBeInstanceOf(KubeadmCertsError);
    expect(err.reason).toBe(reason);
    expect(err.message).toMatch(message);
    expect(err.message).not.toContain(KEY);
    expect(err.message).not.toContain('PRIVATE KEY');
  });

  it('decrypts everything before returning, so a bad entry late in the list yields nothing to write', () => {
    const s = secret({ 'ca.crt': CERT });
    s.data['ca.key'] = sealKubeadmCert(OTHER, Buffer.from(PRIV)).toString('base64');
    expect(() => openKubeadmCerts(s, KEY, ['ca.crt', 'ca.key'])).toThrow(KubeadmCertsError);
  });
});

describe('kubeadm-certs envelope', () => {
  it('lays out nonce(12) || ciphertext || tag(16) and round-trips', () => {
    const data = Buffer.from('-----BEGIN CERTIFICATE-----\nabc\n');
    const sealed = sealKubeadmCert(KEY, data);
    expect(sealed.length).toBe(12 + data.length + 16);
    expect(openKubeadmCert(KEY, sealed)).toEqual(data);
  });

  it('is readable by an independent AES-256-GCM implementation (python cryptography-free check via openssl enc is not possible for GCM, so use node:crypto with the documented layout)', async () => {
    // Decrypt with a fresh decipher built only from the documented layout, not from our helper.
    const { createDecipheriv } = await import('node:crypto');
    const sealed = sealKubeadmCert(KEY, Buffer.from('payload'));
    const d = createDecipheriv('aes-256-gcm', Buffer.from(KEY, 'hex'), sealed.subarray(0, 12));
    d.setAuthTag(sealed.subarray(-16));
    expect(Buffer.concat([d.update(sealed.subarray(12, -16)), d.final()]).toString()).toBe('payload');
  });

  it.each([
    ['a wrong certificate key', (s: Buffer) => openKubeadmCert('b'.repeat(64), s)],
    ['a flipped ciphertext byte', (s: Buffer) => { s[13] = s[13]! ^ 1; return openKubeadmCert(KEY, s); }],
    ['a truncated value', (s: Buffer) => openKubeadmCert(KEY, s.subarray(0, 20))],
  ])('refuses %s without leaking the key', (_name, open) => {
    const sealed = sealKubeadmCert(KEY, Buffer.from('secret material'));
    try {
      open(sealed);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(EnvelopeError);
      expect(String(err)).not.toContain(KEY);
    }
  });

  it('rejects a malformed certificate key', () => {
    expect(() => sealKubeadmCert('xyz', Buffer.from('a'))).toThrow(/64 lower-case hex/);
  });

  it('matches openssl AES-256-GCM output for the same key and nonce (ciphertext is CTR keystream XOR)', () => {
    // GCM's ciphertext equals AES-256-CTR with counter block nonce||00000002; openssl enc can do CTR.
    const nonce = Buffer.alloc(12, 7);
    const data = Buffer.from('hello kubeadm-certs');
    const sealed = sealKubeadmCert(KEY, data, () => nonce);
    const iv = Buffer.concat([nonce, Buffer.from([0, 0, 0, 2])]).toString('hex');
    const ctr = execFileSync('openssl', ['enc', '-aes-256-ctr', '-K', KEY, '-iv', iv], { input: data });
    expect(sealed.subarray(12, -16)).toEqual(ctr);
  });
});

describe('upload-certs objects', () => {
  const sealed = new Map(certsToTransfer(false).map((f, i) => [f, Uint8Array.from([i, 1, 2, 3])] as const));
  const secret = kubeadmCertsSecret(sealed, { tokenID: 'zyxwvu', uid: '1b4e28ba-2fa1-11d2-883f-0016d3cca427' });

  it('objects match the snapshot', async () => {
    await expect(toYamlDocuments([secret, ...kubeadmCertsRBAC()])).toMatchFileSnapshot('__snapshots__/upload-certs.yaml');
  });

  it.each([
    { externalEtcd: false, keys: ['ca.crt', 'ca.key', 'etcd-ca.crt', 'etcd-ca.key', 'front-proxy-ca.crt', 'front-proxy-ca.key', 'sa.key', 'sa.pub'] },
    { externalEtcd: true, keys: ['ca.crt', 'ca.key', 'external-etcd-ca.crt', 'external-etcd.crt', 'external-etcd.key', 'front-proxy-ca.crt', 'front-proxy-ca.key', 'sa.key', 'sa.pub'] },
  ])('data keys with externalEtcd=$externalEtcd', ({ externalEtcd, keys }) => {
    const s = kubeadmCertsSecret(new Map(certsToTransfer(externalEtcd).map((f) => [f, new Uint8Array(1)] as const)), { tokenID: 'a', uid: 'u' });
    expect(Object.keys(s.data).sort()).toEqual(keys);
  });

  it('adds the EncryptionConfiguration, by its name under the pki directory, with encryption at rest', () => {
    expect(certsToTransfer(false, { encryptionAtRest: true })).toContain('encryption-config.yaml');
    expect(certsToTransfer(false)).not.toContain('encryption-config.yaml');
    expect(`/etc/kubernetes/pki/${ENCRYPTION_CONFIG_TRANSFER_NAME}`).toBe(ENCRYPTION_CONFIG_FILE);
  });

  it('values are the sealed bytes in base64', () => {
    expect(Buffer.from(secret.data['etcd-ca.crt']!, 'base64')).toEqual(Buffer.from([6, 1, 2, 3]));
  });

  it('is owned by the proxy token Secret so it expires with it', () => {
    expect(secret.metadata.ownerReferences).toEqual([
      { apiVersion: 'v1', kind: 'Secret', name: 'bootstrap-token-zyxwvu', uid: '1b4e28ba-2fa1-11d2-883f-0016d3cca427', controller: true, blockOwnerDeletion: true },
    ]);
    const proxy = bootstrapTokenSecret(certsProxyToken('zyxwvu', '0123456789abcdef', '2026-11-23T08:00:00Z'));
    expect(Object.keys(proxy.data).sort()).toEqual(['description', 'expiration', 'token-id', 'token-secret']);
  });

  it('RBAC lets token holders get only kubeadm-certs', () => {
    const [role, binding] = kubeadmCertsRBAC();
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['secrets'], resourceNames: ['kubeadm-certs'], verbs: ['get'] }]);
    expect(binding.subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:bootstrappers:kubeadm:default-node-token' }]);
  });
});
