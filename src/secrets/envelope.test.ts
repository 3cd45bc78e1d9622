import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { openKubeadmCert, sealKubeadmCert, EnvelopeError } from './envelope.js';

const KEY = 'a'.repeat(64);

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
