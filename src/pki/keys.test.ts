// Key pairs: private keys in kubeadm's forms (PKCS#1, SEC1) byte for byte as openssl writes those forms, SPKI
// public keys, and every form kubeadm reads (PKCS#8 too) accepted.
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import type { KeyAlgorithm } from './types.js';
import { createCA, signCertificate } from './certificate.js';
import { generateKeyPair, KeyPool, privateKeyObject, spkiOf } from './keys.js';
import { certMatchesKey } from './parse.js';
import { ok, removeScratches, Scratch, tool } from './test-support.js';

afterAll(removeScratches);

describe('generateKeyPair', () => {
  // openssl rsa -traditional / openssl ec write PKCS#1 and SEC1, the forms Go's x509.MarshalPKCS1PrivateKey and
  // MarshalECPrivateKey produce (one DER encoding per key), so a kubeadm-form key comes back unchanged.
  it.each<[KeyAlgorithm, string, string[], string, RegExp]>([
    ['RSA-2048', 'RSA PRIVATE KEY', ['rsa', '-traditional'], 'RSA key ok', /Private-Key: \(2048 bit, 2 primes\)/],
    ['RSA-3072', 'RSA PRIVATE KEY', ['rsa', '-traditional'], 'RSA key ok', /Private-Key: \(3072 bit, 2 primes\)/],
    ['RSA-4096', 'RSA PRIVATE KEY', ['rsa', '-traditional'], 'RSA key ok', /Private-Key: \(4096 bit, 2 primes\)/],
    ['ECDSA-P256', 'EC PRIVATE KEY', ['ec'], 'EC Key valid.', /NIST CURVE: P-256/],
  ])('%s: private key as %s, which openssl checks and writes back unchanged; SPKI public key that pairs with it', async (algorithm, label, rewrite, checked, text) => {
    const { key, pub } = await generateKeyPair(algorithm);
    expect(key).toMatch(new RegExp(`^-----BEGIN ${label}-----\n[A-Za-z0-9+/=\n]+\n-----END ${label}-----\n$`));
    expect(pub).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    const check = tool('openssl', [rewrite[0]!, '-check', '-noout'], key);
    expect(check.code).toBe(0);
    expect(check.stdout + check.stderr).toContain(checked);
    expect(ok('openssl', rewrite, key)).toBe(key);
    expect(ok('openssl', ['pkey', '-noout', '-text'], key)).toMatch(text);
    expect(ok('openssl', ['pkey', '-pubin', '-pubout'], pub)).toBe(ok('openssl', ['pkey', '-pubout'], key));
  });
});

describe('keys in every form kubeadm reads', () => {
  it.each([
    { name: 'PRIVATE KEY (PKCS#8, as states from older kgen versions hold)', args: ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'], label: 'PRIVATE KEY' },
    { name: 'RSA PRIVATE KEY (PKCS#1)', args: ['genrsa', '-traditional', '2048'], label: 'RSA PRIVATE KEY' },
    { name: 'EC PRIVATE KEY (SEC1)', args: ['ecparam', '-genkey', '-noout', '-name', 'prime256v1'], label: 'EC PRIVATE KEY' },
  ])('$name works as a CA key and matches its certificate', async ({ args, label }) => {
    const caKey = ok('openssl', args);
    expect(caKey).toContain(`BEGIN ${label}`);
    const scratch = new Scratch();
    const caPem = ok('openssl', ['req', '-x509', '-new', '-key', scratch.write('ca.key', caKey), '-subj', '/CN=kubernetes', '-days', '1', '-addext', 'basicConstraints=critical,CA:TRUE']);
    expect(certMatchesKey(caPem, caKey)).toBe(true);
    const leafKey = await generateKeyPair('ECDSA-P256');
    const leaf = signCertificate(leafKey.pub, { commonName: 'x', usages: ['clientAuth'], validityHours: 1 }, { cert: caPem, key: caKey });
    const crt = scratch.write('leaf.crt', leaf);
    expect(ok('openssl', ['verify', '-CAfile', scratch.write('ca.crt', caPem), crt])).toBe(`${crt}: OK\n`);
    expect(spkiOf(caKey).equals(spkiOf(ok('openssl', ['pkey', '-pubout'], caKey)))).toBe(true);
  });

  it('reads the SubjectPublicKeyInfo of every public key form openssl writes', () => {
    const key = ok('openssl', ['genrsa', '2048']);
    const spkiDer = execFileSync('openssl', ['pkey', '-pubout', '-outform', 'DER'], { input: key });
    expect(spkiOf(ok('openssl', ['pkey', '-pubout'], key))).toEqual(spkiDer);
    expect(spkiOf(ok('openssl', ['rsa', '-RSAPublicKey_out'], key))).toEqual(spkiDer); // "RSA PUBLIC KEY" (PKCS#1)
    expect(spkiOf(key)).toEqual(spkiDer);
    expect(() => spkiOf('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n')).toThrow();
  });

  it('a key that cannot be read is reported without echoing it', () => {
    expect(() => privateKeyObject('-----BEGIN PRIVATE KEY-----\nTOPSECRET\n-----END PRIVATE KEY-----\n')).toThrow(/^could not read the private key: expected a PEM/);
    let message = '';
    try {
      privateKeyObject('TOPSECRET');
    } catch (e) {
      message = `${(e as Error).message} ${String((e as Error).cause)}`;
    }
    expect(message).toMatch(/^could not read the private key/);
    expect(message).not.toContain('TOPSECRET');
  });

  it('refuses to sign with a curve kubeadm does not use', async () => {
    const scratch = new Scratch();
    const key = ok('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384']);
    const caPem = ok('openssl', ['req', '-x509', '-new', '-key', scratch.write('ca.key', key), '-subj', '/CN=c', '-days', '1', '-addext', 'basicConstraints=critical,CA:TRUE']);
    const ca = await createCA({ commonName: 'unused', algorithm: 'ECDSA-P256', validityHours: 1 });
    expect(() => signCertificate(ca.key, { commonName: 'x', usages: ['clientAuth'], validityHours: 1 }, { cert: caPem, key })).toThrow(/expected RSA or ECDSA P-256/);
  });
});

describe('KeyPool', () => {
  it('starts warmed generations at once and hands them out before generating more', async () => {
    const started: number[] = [];
    let n = 0;
    const pool = new KeyPool('ECDSA-P256', async () => {
      started.push(++n);
      return { key: `k${n}`, pub: `p${n}` };
    });
    pool.warm(3);
    expect(started).toEqual([1, 2, 3]);
    pool.warm(2); // already warm enough
    expect(started).toEqual([1, 2, 3]);
    expect((await pool.take()).key).toBe('k1');
    expect((await pool.take()).key).toBe('k2');
    expect((await pool.take()).key).toBe('k3');
    expect((await pool.take()).key).toBe('k4');
    expect(started).toEqual([1, 2, 3, 4]);
  });

  it('a warmed key that failed reports the failure when taken, and one never taken is no unhandled rejection', async () => {
    const pool = new KeyPool('RSA-2048', () => Promise.reject(new Error('no entropy')));
    pool.warm(2);
    await expect(pool.take()).rejects.toThrow('no entropy');
    await new Promise((r) => setTimeout(r, 10));
  });

  it('real keys from a warmed pool are distinct and usable', async () => {
    const pool = new KeyPool('ECDSA-P256');
    pool.warm(2);
    const [a, b] = [await pool.take(), await pool.take()];
    expect(a.key).not.toBe(b.key);
    expect(spkiOf(a.key)).toEqual(spkiOf(a.pub));
  });
});
