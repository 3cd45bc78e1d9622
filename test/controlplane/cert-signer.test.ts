// CSR parsing and certificate signing checked against openssl: openssl makes the CSRs and CAs,
// the signer issues, and `openssl verify` / `openssl x509 -text` judge the result.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSigningCA, signCertificate } from './cert-signer.js';
import { kubeletClientProblem, kubeletServingProblem, parseCsr } from './csr.js';

const dir = mkdtempSync(join(tmpdir(), 'kgen-signer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();

function makeCA(name: string, keyAlg: string[]): { cert: string; key: string; path: string } {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.crt`);
  openssl('req', '-x509', '-newkey', ...keyAlg, '-nodes', '-keyout', key, '-out', cert, '-days', '30', '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature', '-addext', 'subjectKeyIdentifier=hash');
  return { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8'), path: cert };
}

function makeCsr(name: string, subject: string, sans?: string, keyAlg = ['ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1']): string {
  const out = join(dir, `${name}.csr`);
  openssl('req', '-new', '-newkey', ...keyAlg, '-nodes', '-keyout', join(dir, `${name}.key`), '-out', out, '-subj', subject, ...(sans ? ['-addext', `subjectAltName=${sans}`] : []));
  return readFileSync(out, 'utf8');
}

describe('parseCsr', () => {
  it('reads subject, organizations and subjectAltNames', () => {
    const csr = parseCsr(makeCsr('serving', '/O=system:nodes/CN=system:node:n1', 'DNS:n1,DNS:n1.example,IP:10.0.0.5,IP:fd00::5,email:a@b.c,URI:spiffe://x/y'));
    expect(csr.commonName).toBe('system:node:n1');
    expect(csr.organizations).toEqual(['system:nodes']);
    expect(csr.dnsNames).toEqual(['n1', 'n1.example']);
    expect(csr.ipAddresses).toEqual(['10.0.0.5', 'fd00::5']);
    expect(csr.emailAddresses).toEqual(['a@b.c']);
    expect(csr.uris).toEqual(['spiffe://x/y']);
  });

  it('rejects a CSR whose signature does not verify', () => {
    const pem = makeCsr('tamper', '/O=system:nodes/CN=system:node:n1');
    const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    const at = der.indexOf(Buffer.from('system:node:n1'));
    der[at + 12] = 'X'.charCodeAt(0);
    const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    expect(() => parseCsr(tampered)).toThrow(/signature does not verify/);
  });

  it.each([
    { name: 'kubelet client, ECDSA usages', subject: '/O=system:nodes/CN=system:node:n1', sans: undefined, usages: ['digital signature', 'client auth'], client: true },
    { name: 'kubelet client, RSA usages', subject: '/O=system:nodes/CN=system:node:n1', sans: undefined, usages: ['digital signature', 'key encipherment', 'client auth'], client: true },
    { name: 'extra usage', subject: '/O=system:nodes/CN=system:node:n1', sans: undefined, usages: ['digital signature', 'client auth', 'server auth'], client: false },
    { name: 'wrong organization', subject: '/O=system:masters/CN=system:node:n1', sans: undefined, usages: ['digital signature', 'client auth'], client: false },
    { name: 'two organizations', subject: '/O=system:nodes/O=system:masters/CN=system:node:n1', sans: undefined, usages: ['digital signature', 'client auth'], client: false },
    { name: 'CN without prefix', subject: '/O=system:nodes/CN=n1', sans: undefined, usages: ['digital signature', 'client auth'], client: false },
    { name: 'client with SANs', subject: '/O=system:nodes/CN=system:node:n1', sans: 'DNS:n1', usages: ['digital signature', 'client auth'], client: false },
  ])('kubeletClientProblem: $name -> valid=$client', ({ name, subject, sans, usages, client }) => {
    const csr = parseCsr(makeCsr(name.replace(/\W/g, '_'), subject, sans));
    expect(kubeletClientProblem(csr, usages) === undefined).toBe(client);
  });

  it('kubeletServingProblem requires a SAN and server auth', () => {
    const csr = parseCsr(makeCsr('serving2', '/O=system:nodes/CN=system:node:n1', 'IP:10.0.0.5'));
    expect(kubeletServingProblem(csr, ['digital signature', 'server auth'])).toBeUndefined();
    expect(kubeletServingProblem(csr, ['digital signature', 'client auth'])).toBeDefined();
    expect(kubeletServingProblem(parseCsr(makeCsr('serving3', '/O=system:nodes/CN=system:node:n1')), ['server auth'])).toBeDefined();
  });
});

describe('signCertificate', () => {
  it.each([
    { ca: 'rsa-ca', caAlg: ['rsa:2048'], usages: ['digital signature', 'client auth'], sans: undefined, text: ['TLS Web Client Authentication', 'Digital Signature'] },
    { ca: 'ec-ca', caAlg: ['ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'], usages: ['digital signature', 'key encipherment', 'client auth'], sans: undefined, text: ['Key Encipherment'] },
    { ca: 'rsa-ca2', caAlg: ['rsa:2048'], usages: ['digital signature', 'server auth'], sans: 'DNS:n1,IP:10.0.0.5,IP:fd00::5', text: ['TLS Web Server Authentication', 'DNS:n1', 'IP Address:10.0.0.5', 'IP Address:FD00:0:0:0:0:0:0:5'] },
  ])('issues a certificate openssl verifies (CA $ca, usages $usages)', ({ ca, caAlg, usages, sans, text }) => {
    const authority = makeCA(ca, caAlg);
    const csr = parseCsr(makeCsr(`leaf-${ca}`, '/O=system:nodes/CN=system:node:n1', sans));
    const now = new Date();
    const pem = signCertificate(loadSigningCA(authority.cert, authority.key), csr, usages, 3600_000, now);
    const certPath = join(dir, `leaf-${ca}.crt`);
    writeFileSync(certPath, pem);
    const purpose = usages.includes('server auth') ? 'sslserver' : 'sslclient';
    expect(openssl('verify', '-purpose', purpose, '-CAfile', authority.path, certPath).trim()).toBe(`${certPath}: OK`);
    const dump = openssl('x509', '-in', certPath, '-noout', '-text', '-nameopt', 'RFC2253');
    expect(dump).toContain('Subject: CN=system:node:n1,O=system:nodes');
    expect(dump).toContain('CA:FALSE');
    expect(dump).toMatch(/Authority Key Identifier/);
    for (const t of text) expect(dump).toContain(t);
    const notAfter = new Date(openssl('x509', '-in', certPath, '-noout', '-enddate').trim().replace('notAfter=', ''));
    expect(Math.abs(notAfter.getTime() - (now.getTime() + 3600_000))).toBeLessThan(2000);
  });

  it('never issues past the CA expiry and rejects unknown usages', () => {
    const authority = makeCA('short-ca', ['rsa:2048']);
    const ca = loadSigningCA(authority.cert, authority.key);
    const csr = parseCsr(makeCsr('leaf-short', '/O=system:nodes/CN=system:node:n1'));
    const pem = signCertificate(ca, csr, ['client auth'], 10 * 365 * 24 * 3600_000, new Date());
    const certPath = join(dir, 'leaf-short.crt');
    writeFileSync(certPath, pem);
    expect(openssl('x509', '-in', certPath, '-noout', '-enddate')).toBe(openssl('x509', '-in', authority.path, '-noout', '-enddate'));
    expect(() => signCertificate(ca, csr, ['flying'], 1000, new Date())).toThrow(/unrecognized usage: flying/);
  });
});
