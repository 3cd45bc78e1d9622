import { describe, expect, it } from 'vitest';
import { kubeadmCertsSecret } from '../kube/index.js';
import { sealKubeadmCert } from '../secrets/envelope.js';
import { KubeadmCertsError, openKubeadmCerts } from './kubeadm-certs.js';

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
