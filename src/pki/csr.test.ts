// PKCS#10 requests: ours must satisfy `openssl req -verify`, openssl's must parse and verify here, and a signed
// request must chain to the CA with the requested subject and SANs (the kubelet TLS bootstrap path).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CertKeyPair, KeyAlgorithm } from './types.js';
import { createCA } from './certificate.js';
import { createCSR, parseCSR, signCSR } from './csr.js';
import { generateKeyPair } from './keys.js';
import { parseCertificate } from './parse.js';
import { ok, Scratch, tool, removeScratches } from './test-support.js';

afterAll(removeScratches);

const ALGORITHMS: KeyAlgorithm[] = ['RSA-2048', 'RSA-3072', 'RSA-4096', 'ECDSA-P256'];
const NOW = new Date('2026-03-01T12:00:00Z');

describe.each(ALGORITHMS)('CSRs with %s keys', (algorithm) => {
  const scratch = new Scratch();
  let ca: CertKeyPair;
  let key: string;

  beforeAll(async () => {
    [ca, { key }] = await Promise.all([createCA({ commonName: 'kubernetes', algorithm, validityHours: 87600 }, { now: NOW }), generateKeyPair(algorithm)]);
    scratch.write('ca.crt', ca.cert);
  });

  it.each([
    { name: 'kubelet client (no SANs)', commonName: 'system:node:w1', organizations: ['system:nodes'], dnsNames: [], ips: [], subject: 'O = system:nodes, CN = system:node:w1', san: undefined },
    {
      name: 'serving request with SANs',
      commonName: 'system:node:w1',
      organizations: ['system:nodes'],
      dnsNames: ['w1', 'w1.example.test'],
      ips: ['10.0.0.21', 'fd00::21'],
      subject: 'O = system:nodes, CN = system:node:w1',
      san: 'DNS:w1, DNS:w1.example.test, IP Address:10.0.0.21, IP Address:FD00:0:0:0:0:0:0:21',
    },
  ])('$name: openssl verifies the self-signature and reads subject and SANs', ({ commonName, organizations, dnsNames, ips, subject, san }) => {
    const csr = scratch.write('req.csr', createCSR({ commonName, organizations, keyPem: key, dnsNames, ips }));
    const out = tool('openssl', ['req', '-in', csr, '-noout', '-verify', '-subject']);
    expect(out.code).toBe(0);
    expect(`${out.stdout}${out.stderr}`).toMatch(/verify OK/i);
    expect(out.stdout).toContain(`subject=${subject}\n`);
    const text = ok('openssl', ['req', '-in', csr, '-noout', '-text']);
    if (san) expect(text.replace(/\s+/g, ' ')).toContain(`X509v3 Subject Alternative Name: ${san}`);
    else expect(text).not.toContain('Subject Alternative Name');

    const parsed = parseCSR(createCSR({ commonName, organizations, keyPem: key, dnsNames, ips }));
    expect(parsed.signatureValid).toBe(true);
    expect(parsed.subject).toEqual({ commonName, organizations });
    expect(parsed.publicKeyPem).toBe(ok('openssl', ['pkey', '-pubout'], key));
  });

  it('signCSR issues a certificate that chains to the CA with the requested identity', () => {
    const csr = createCSR({ commonName: 'system:node:w1', organizations: ['system:nodes'], keyPem: key, ips: ['10.0.0.21'] });
    const cert = signCSR(csr, ca, { usages: ['clientAuth'], validityHours: 8760 }, { now: NOW });
    const crt = scratch.write('signed.crt', cert);
    expect(ok('openssl', ['verify', '-x509_strict', '-CAfile', `${scratch.dir}/ca.crt`, crt])).toBe(`${crt}: OK\n`);
    expect(ok('openssl', ['x509', '-in', crt, '-noout', '-subject'])).toBe('subject=O = system:nodes, CN = system:node:w1\n');
    const c = parseCertificate(cert);
    expect(c.ips).toEqual(['10.0.0.21']);
    expect(c.extKeyUsages).toEqual(['clientAuth']);
    expect(ok('openssl', ['x509', '-in', crt, '-noout', '-pubkey'])).toBe(ok('openssl', ['pkey', '-pubout'], key));
  });
});

describe('CSRs from elsewhere', () => {
  it('parses and verifies a request openssl made, SANs included', () => {
    const scratch = new Scratch();
    const key = scratch.write('k.key', ok('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']));
    const pem = ok('openssl', ['req', '-new', '-key', key, '-subj', '/O=system:nodes/CN=system:node:w2', '-addext', 'subjectAltName=DNS:w2,IP:10.1.2.3']);
    const csr = parseCSR(pem);
    expect(csr).toMatchObject({ subject: { commonName: 'system:node:w2', organizations: ['system:nodes'] }, dnsNames: ['w2'], ips: ['10.1.2.3'], signatureValid: true });
  });

  it('reports a tampered request as invalid and signCSR refuses it', async () => {
    const [ca, { key }] = await Promise.all([createCA({ commonName: 'c', algorithm: 'ECDSA-P256', validityHours: 10 }), generateKeyPair('ECDSA-P256')]);
    const der = Buffer.from(createCSR({ commonName: 'system:node:a', organizations: ['system:nodes'], keyPem: key }).replace(/-----[A-Z ]+-----/g, ''), 'base64');
    const at = der.indexOf(Buffer.from('system:node:a'));
    der[at + 12] = 'b'.charCodeAt(0); // CN becomes system:node:b, signature no longer matches
    const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    expect(parseCSR(tampered)).toMatchObject({ subject: { commonName: 'system:node:b' }, signatureValid: false });
    expect(() => signCSR(tampered, ca, { usages: ['clientAuth'], validityHours: 1 })).toThrow(/invalid signature/);
  });
});
