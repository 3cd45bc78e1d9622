// kubeadm's CAs and leaf certificates, checked by the real openssl for every supported key algorithm.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CertKeyPair, KeyAlgorithm } from './types.js';
import { caCertHash } from './pin.js';
import { createCA, createCertAndKey, signCertificate } from './certificate.js';
import { kubeadmCAList, kubeadmCertList, type KubeadmCAName } from './certlist.js';
import { certMatchesKey, certSignedBy, parseCertificate } from './parse.js';
import { ok, Scratch, removeScratches, tool } from './test-support.js';

afterAll(removeScratches);

const ALGORITHMS: KeyAlgorithm[] = ['RSA-2048', 'RSA-3072', 'RSA-4096', 'ECDSA-P256'];
const NOW = new Date('2026-03-01T12:00:00.250Z');
const CLUSTER = {
  controlPlaneEndpoint: { host: 'cp.example.test', port: 6443 },
  networking: { serviceSubnet: '10.96.0.0/12', dnsDomain: 'cluster.local' },
  apiServer: { certSANs: ['10.0.0.100', 'api.example.test', 'fd00::100'] },
  certificates: { validityHours: 8760 },
};
const LIST = kubeadmCertList({ nodeName: 'cp-1', advertiseAddress: '10.0.0.11', localEtcd: true, cluster: CLUSTER });

const KU_LEAF = 'X509v3 Key Usage: critical\n    Digital Signature, Key Encipherment';
const KU_CA = 'X509v3 Key Usage: critical\n    Digital Signature, Key Encipherment, Certificate Sign';
const SERVER_CLIENT = 'X509v3 Extended Key Usage: \n    TLS Web Server Authentication, TLS Web Client Authentication';
const CLIENT = 'X509v3 Extended Key Usage: \n    TLS Web Client Authentication';
const ETCD_SANS = 'DNS:cp-1, DNS:localhost, IP Address:10.0.0.11, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1';

/** What openssl must print for each kubeadm certificate (written out, not derived from the code under test). */
const EXPECTED: Record<string, { subject: string; issuer: string; extensions: string[] }> = {
  apiserver: {
    subject: 'CN = kube-apiserver',
    issuer: 'CN = kubernetes',
    extensions: [
      KU_LEAF,
      'X509v3 Extended Key Usage: \n    TLS Web Server Authentication',
      'X509v3 Basic Constraints: critical\n    CA:FALSE',
      'X509v3 Subject Alternative Name: \n    DNS:api.example.test, DNS:cp-1, DNS:cp.example.test, DNS:kubernetes, DNS:kubernetes.default, ' +
        'DNS:kubernetes.default.svc, DNS:kubernetes.default.svc.cluster.local, IP Address:10.96.0.1, IP Address:10.0.0.11, ' +
        'IP Address:10.0.0.100, IP Address:FD00:0:0:0:0:0:0:100',
    ],
  },
  'apiserver-kubelet-client': {
    subject: 'O = kubeadm:cluster-admins, CN = kube-apiserver-kubelet-client',
    issuer: 'CN = kubernetes',
    extensions: [KU_LEAF, CLIENT, 'X509v3 Basic Constraints: critical\n    CA:FALSE'],
  },
  'front-proxy-client': {
    subject: 'CN = front-proxy-client',
    issuer: 'CN = front-proxy-ca',
    extensions: [KU_LEAF, CLIENT, 'X509v3 Basic Constraints: critical\n    CA:FALSE'],
  },
  'etcd/server': {
    subject: 'CN = cp-1',
    issuer: 'CN = etcd-ca',
    extensions: [KU_LEAF, SERVER_CLIENT, 'X509v3 Basic Constraints: critical\n    CA:FALSE', `X509v3 Subject Alternative Name: \n    ${ETCD_SANS}`],
  },
  'etcd/peer': {
    subject: 'CN = cp-1',
    issuer: 'CN = etcd-ca',
    extensions: [KU_LEAF, SERVER_CLIENT, 'X509v3 Basic Constraints: critical\n    CA:FALSE', `X509v3 Subject Alternative Name: \n    ${ETCD_SANS}`],
  },
  'etcd/healthcheck-client': {
    subject: 'CN = kube-etcd-healthcheck-client',
    issuer: 'CN = etcd-ca',
    extensions: [KU_LEAF, CLIENT, 'X509v3 Basic Constraints: critical\n    CA:FALSE'],
  },
  'apiserver-etcd-client': {
    subject: 'CN = kube-apiserver-etcd-client',
    issuer: 'CN = etcd-ca',
    extensions: [KU_LEAF, CLIENT, 'X509v3 Basic Constraints: critical\n    CA:FALSE'],
  },
};

const CA_FILES: Record<KubeadmCAName, string> = { ca: 'ca', 'front-proxy-ca': 'front-proxy-ca', 'etcd-ca': 'etcd/ca' };

function show(path: string): { subject: string; issuer: string; notBefore: string; notAfter: string; extensions: string } {
  const head = ok('openssl', ['x509', '-in', path, '-noout', '-subject', '-issuer', '-dates', '-dateopt', 'iso_8601']);
  const field = (k: string) => new RegExp(`^${k}=(.*)$`, 'm').exec(head)![1]!;
  const extensions = ok('openssl', ['x509', '-in', path, '-noout', '-ext', 'keyUsage,extendedKeyUsage,basicConstraints,subjectAltName']);
  return { subject: field('subject'), issuer: field('issuer'), notBefore: field('notBefore'), notAfter: field('notAfter'), extensions };
}

describe.each(ALGORITHMS)('kubeadm certificates with %s keys', (algorithm) => {
  const scratch = new Scratch();
  const cas = {} as Record<KubeadmCAName, CertKeyPair>;
  const leaves = new Map<string, CertKeyPair>();
  const path = (base: string, ext: 'crt' | 'key') => `${scratch.dir}/${base}.${ext}`;

  beforeAll(async () => {
    const caPairs = await Promise.all(
      kubeadmCAList(true).map((ca) => createCA({ commonName: ca.commonName, algorithm, validityHours: 87600 }, { now: NOW })),
    );
    kubeadmCAList(true).forEach((ca, i) => {
      cas[ca.name] = caPairs[i]!;
      scratch.write(`${ca.baseName}.crt`, caPairs[i]!.cert);
      scratch.write(`${ca.baseName}.key`, caPairs[i]!.key);
    });
    const pairs = await Promise.all(LIST.map((spec) => createCertAndKey({ ...spec, algorithm }, cas[spec.ca], { now: NOW })));
    LIST.forEach((spec, i) => {
      leaves.set(spec.baseName, pairs[i]!);
      scratch.write(`${spec.baseName}.crt`, pairs[i]!.cert);
      scratch.write(`${spec.baseName}.key`, pairs[i]!.key);
    });
  });

  it('issues exactly the certificates kubeadm creates for a stacked-etcd control plane', () => {
    expect(LIST.map((s) => `${s.baseName}<-${CA_FILES[s.ca]}`)).toEqual([
      'apiserver<-ca',
      'apiserver-kubelet-client<-ca',
      'front-proxy-client<-front-proxy-ca',
      'etcd/server<-etcd/ca',
      'etcd/peer<-etcd/ca',
      'etcd/healthcheck-client<-etcd/ca',
      'apiserver-etcd-client<-etcd/ca',
    ]);
  });

  it.each(kubeadmCAList(true))('CA $baseName is self-signed, CA:TRUE, keyCertSign, has an SKI and no AKI, backdated 5 minutes', (ca) => {
    const crt = path(ca.baseName, 'crt');
    expect(ok('openssl', ['verify', '-x509_strict', '-CAfile', crt, crt])).toBe(`${crt}: OK\n`);
    const s = show(crt);
    expect(s.subject).toBe(`CN = ${ca.commonName}`);
    expect(s.issuer).toBe(`CN = ${ca.commonName}`);
    expect(s.notBefore).toBe('2026-03-01 11:55:00Z');
    expect(s.notAfter).toBe('2036-02-27 12:00:00Z');
    expect(s.extensions).toBe(`${KU_CA}\nX509v3 Basic Constraints: critical\n    CA:TRUE\nX509v3 Subject Alternative Name: \n    DNS:${ca.commonName}\n`);
    const ids = ok('openssl', ['x509', '-in', crt, '-noout', '-ext', 'subjectKeyIdentifier,authorityKeyIdentifier']);
    expect(ids).toMatch(/^X509v3 Subject Key Identifier: \n    ([0-9A-F]{2}:){19}[0-9A-F]{2}\n$/);
  });

  it.each(LIST)('$baseName chains to its CA and has kubeadm subject, usages, SANs and validity', (spec) => {
    const crt = path(spec.baseName, 'crt');
    const caCrt = path(CA_FILES[spec.ca], 'crt');
    expect(ok('openssl', ['verify', '-x509_strict', '-CAfile', caCrt, crt])).toBe(`${crt}: OK\n`);
    const s = show(crt);
    const want = EXPECTED[spec.baseName]!;
    expect(s.subject).toBe(want.subject);
    expect(s.issuer).toBe(want.issuer);
    expect(s.extensions).toBe(`${want.extensions.join('\n')}\n`);
    expect(s.notBefore).toBe('2026-03-01 11:55:00Z');
    expect(s.notAfter).toBe('2027-03-01 12:00:00Z');
    const caSki = /Subject Key Identifier: \n {4}(.*)\n/.exec(ok('openssl', ['x509', '-in', caCrt, '-noout', '-ext', 'subjectKeyIdentifier']))![1];
    expect(ok('openssl', ['x509', '-in', crt, '-noout', '-ext', 'authorityKeyIdentifier'])).toContain(caSki);
  });

  it.each([...kubeadmCAList(true).map((c) => c.baseName), ...LIST.map((s) => s.baseName)])(
    '%s: the key is in the form kubeadm writes, openssl checks it and it matches the certificate',
    (base) => {
      const key = path(base, 'key');
      const [label, check] = algorithm === 'ECDSA-P256' ? ['EC PRIVATE KEY', 'ec'] : ['RSA PRIVATE KEY', 'rsa'];
      expect(readFileSync(key, 'utf8')).toMatch(new RegExp(`^-----BEGIN ${label}-----\n`));
      expect(tool('openssl', [check, '-in', key, '-check', '-noout']).code).toBe(0);
      const fromKey = ok('openssl', ['pkey', '-in', key, '-pubout']);
      const fromCert = ok('openssl', ['x509', '-in', path(base, 'crt'), '-noout', '-pubkey']);
      expect(fromKey).toBe(fromCert);
      expect(ok('openssl', ['pkey', '-in', key, '-noout', '-text'])).toContain(algorithm === 'ECDSA-P256' ? 'NIST CURVE: P-256' : `(${algorithm.slice(4)} bit`);
    },
  );

  it('caCertHash equals sha256 over the DER SubjectPublicKeyInfo openssl extracts', () => {
    const pipeline = `openssl x509 -pubkey -noout -in '${path('ca', 'crt')}' | openssl pkey -pubin -outform der | sha256sum`;
    const digest = ok('sh', ['-c', pipeline]).split(' ')[0];
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(caCertHash(cas.ca.cert)).toBe(`sha256:${digest}`);
  });

  it('parseCertificate reads back what openssl sees', () => {
    const c = parseCertificate(leaves.get('apiserver-kubelet-client')!.cert);
    expect(c.subject).toEqual({ commonName: 'kube-apiserver-kubelet-client', organizations: ['kubeadm:cluster-admins'] });
    expect(c.issuer).toEqual({ commonName: 'kubernetes', organizations: [] });
    expect(c.isCA).toBe(false);
    expect(c.keyUsages).toEqual(['digitalSignature', 'keyEncipherment']);
    expect(c.extKeyUsages).toEqual(['clientAuth']);
    expect(c.notBefore.toISOString()).toBe('2026-03-01T11:55:00.000Z');
    const serial = ok('openssl', ['x509', '-in', path('apiserver-kubelet-client', 'crt'), '-noout', '-serial']);
    expect(`serial=${c.serialNumber.toUpperCase()}\n`).toBe(serial);
    expect(certMatchesKey(leaves.get('apiserver')!.cert, leaves.get('apiserver')!.key)).toBe(true);
    expect(certMatchesKey(leaves.get('apiserver')!.cert, leaves.get('etcd/peer')!.key)).toBe(false);
    expect(certSignedBy(leaves.get('etcd/peer')!.cert, cas['etcd-ca'].cert)).toBe(true);
    expect(certSignedBy(leaves.get('etcd/peer')!.cert, cas.ca.cert)).toBe(false);
  });
});

describe('issuing rules', () => {
  it('caps a leaf at its CA NotAfter', async () => {
    const ca = await createCA({ commonName: 'short-ca', algorithm: 'ECDSA-P256', validityHours: 100 }, { now: NOW });
    const leaf = await createCertAndKey({ commonName: 'x', usages: ['clientAuth'], validityHours: 8760, algorithm: 'ECDSA-P256' }, ca, { now: NOW });
    expect(parseCertificate(leaf.cert).notAfter).toEqual(parseCertificate(ca.cert).notAfter);
    expect(parseCertificate(ca.cert).notAfter.toISOString()).toBe('2026-03-05T16:00:00.000Z');
  });

  it.each([
    { name: 'all-ones randomness gives the largest serial (2^63-1)', fill: 0xff, serial: '7fffffffffffffff' },
    { name: 'all-zero randomness gives serial 1, never 0', fill: 0x00, serial: '01' },
    { name: 'a high first byte is cleared so the serial stays positive', fill: 0x80, serial: '0080808080808080' },
  ])('serial numbers: $name', async ({ fill, serial }) => {
    const ca = await createCA({ commonName: 'c', algorithm: 'ECDSA-P256', validityHours: 10 }, { now: NOW, random: (n) => Buffer.alloc(n, fill) });
    expect(parseCertificate(ca.cert).serialNumber).toBe(serial.replace(/^00(?=.)/, ''));
    const scratch = new Scratch();
    const crt = scratch.write('c.crt', ca.cert);
    expect(ok('openssl', ['x509', '-in', crt, '-noout', '-serial'])).toBe(`serial=${serial.replace(/^00(?=.)/, '').toUpperCase()}\n`);
  });

  it('uses GeneralizedTime from 2050 on, as RFC 5280 requires', async () => {
    const ca = await createCA({ commonName: 'long', algorithm: 'ECDSA-P256', validityHours: 30 * 8760 }, { now: NOW });
    const scratch = new Scratch();
    const crt = scratch.write('ca.crt', ca.cert);
    expect(ok('openssl', ['x509', '-in', crt, '-noout', '-enddate', '-dateopt', 'iso_8601'])).toBe('notAfter=2056-02-22 12:00:00Z\n');
    expect(ok('openssl', ['asn1parse', '-in', crt])).toMatch(/GENERALIZEDTIME\s*:20560222120000Z/);
  });

  it.each([
    {
      name: 'an issuer that is not a CA',
      issuer: async () => createCertAndKey({ commonName: 'leaf', usages: ['clientAuth'], validityHours: 1, algorithm: 'ECDSA-P256' }, await createCA({ commonName: 'r', algorithm: 'ECDSA-P256', validityHours: 10 })),
      error: /issuer certificate "leaf" is not a CA/,
    },
    {
      name: 'a CA key that does not belong to the CA certificate',
      issuer: async () => ({ cert: (await createCA({ commonName: 'a', algorithm: 'ECDSA-P256', validityHours: 10 })).cert, key: (await createCA({ commonName: 'b', algorithm: 'ECDSA-P256', validityHours: 10 })).key }),
      error: /CA key does not belong to the CA certificate "a"/,
    },
  ])('refuses to sign with $name', async ({ issuer, error }) => {
    const pair = await issuer();
    const subject = await createCA({ commonName: 's', algorithm: 'ECDSA-P256', validityHours: 1 });
    expect(() => signCertificate(subject.key, { commonName: 'x', usages: ['clientAuth'], validityHours: 1 }, pair)).toThrow(error);
  });
});

describe('parseCertificate on certificates openssl made', () => {
  it('reads subject, SANs, usages, CA flag and key identifiers', () => {
    const scratch = new Scratch();
    const key = scratch.write('k.key', ok('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']));
    const pem = ok('openssl', [
      'req', '-x509', '-new', '-key', key, '-days', '2', '-subj', '/O=system:nodes/O=extra/CN=system:node:w1',
      '-addext', 'subjectAltName=DNS:w1,IP:192.168.1.5,IP:2001:db8::7',
      '-addext', 'keyUsage=critical,digitalSignature',
      '-addext', 'extendedKeyUsage=serverAuth,clientAuth,codeSigning',
      '-addext', 'basicConstraints=critical,CA:TRUE',
    ]);
    const c = parseCertificate(pem);
    expect(c.subject).toEqual({ commonName: 'system:node:w1', organizations: ['system:nodes', 'extra'] });
    expect(c.dnsNames).toEqual(['w1']);
    expect(c.ips).toEqual(['192.168.1.5', '2001:db8::7']);
    expect(c.keyUsages).toEqual(['digitalSignature']);
    expect(c.extKeyUsages).toEqual(['serverAuth', 'clientAuth', '1.3.6.1.5.5.7.3.3']);
    expect(c.isCA).toBe(true);
    expect(c.subjectKeyId?.length).toBe(20);
    expect(c.notAfter.getTime() - c.notBefore.getTime()).toBe(2 * 24 * 3600 * 1000);
    expect(certMatchesKey(pem, ok('openssl', ['pkey', '-in', key]))).toBe(true);
  });

  it.each([
    { name: 'no PEM block', input: 'hello', error: /expected a PEM "CERTIFICATE" block/ },
    { name: 'garbage inside the block', input: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', error: /could not parse the X.509 structure/ },
  ])('rejects $name with a message saying what was expected', ({ input, error }) => {
    expect(() => parseCertificate(input)).toThrow(error);
  });
});
