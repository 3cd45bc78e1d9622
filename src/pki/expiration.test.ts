import { beforeAll, describe, expect, it } from 'vitest';
import type { CertKeyPair } from './types.js';
import { createCA, createCertAndKey } from './certificate.js';
import { certificateExpiration, clusterCAs, expiryWarnings } from './expiration.js';
import { ok } from './test-support.js';

const now = new Date('2026-12-05T00:00:00Z');
const DAY = 24;
let ca: CertKeyPair;
let shortCA: CertKeyPair;
let etcdCA: CertKeyPair;

beforeAll(async () => {
  [ca, shortCA, etcdCA] = await Promise.all([
    createCA({ commonName: 'kubernetes', algorithm: 'ECDSA-P256', validityHours: 3650 * DAY }, { now }),
    createCA({ commonName: 'front-proxy-ca', algorithm: 'ECDSA-P256', validityHours: 30 * DAY }, { now }),
    createCA({ commonName: 'etcd-ca', algorithm: 'ECDSA-P256', validityHours: 3650 * DAY }, { now }),
  ]);
});

describe('certificateExpiration', () => {
  it('names the CA whose key signed it and matches openssl\'s notAfter', async () => {
    const leaf = await createCertAndKey({ commonName: 'kube-apiserver', usages: ['serverAuth'], algorithm: 'ECDSA-P256', validityHours: 365 * DAY }, etcdCA, { now });
    const e = certificateExpiration('cp1/etcd-server', leaf.cert, clusterCAs({ ca, frontProxyCA: shortCA, etcdCA }), now);
    expect(e).toMatchObject({ certificateAuthority: 'etcd-ca', externallyManaged: false });
    expect(e.notAfter).toEqual(new Date(Date.parse(ok('openssl', ['x509', '-noout', '-enddate'], leaf.cert).trim().replace('notAfter=', ''))));
    expect(e.residualMs).toBe(e.notAfter.getTime() - now.getTime());
  });

  it('a certificate none of the CAs signed is externally managed, with no CA', async () => {
    const foreign = await createCertAndKey({ commonName: 'x', usages: ['serverAuth'], algorithm: 'ECDSA-P256', validityHours: DAY }, shortCA, { now });
    expect(certificateExpiration('x', foreign.cert, clusterCAs({ ca, frontProxyCA: ca }), now)).toMatchObject({ certificateAuthority: undefined, externallyManaged: true });
  });
});

describe('expiryWarnings (render)', () => {
  it('warns about a CA expiring within 90 days, naming its file and the days left', () => {
    const warnings = expiryWarnings(clusterCAs({ ca, frontProxyCA: shortCA, etcdCA }), 365 * DAY, now);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^CA front-proxy-ca \(pki\/front-proxy-ca\.crt\) expires at 2027-01-04T00:00:00\.000Z \(in 30 days\): /);
  });

  it('says "expired" for a CA past its end', () => {
    const later = new Date(now.getTime() + 31 * 86_400_000);
    expect(expiryWarnings(clusterCAs({ ca, frontProxyCA: shortCA }), 365 * DAY, later)[0]).toContain('expired at 2027-01-04T00:00:00.000Z');
  });

  it('warns when the certificates nodes issue live less than 90 days', () => {
    expect(expiryWarnings(clusterCAs({ ca, frontProxyCA: ca }), 720, now)).toEqual([expect.stringMatching(/^cluster\.certificates\.validity is 720h: .* expire within 90 days/)]);
    expect(expiryWarnings(clusterCAs({ ca, frontProxyCA: ca }), 2160, now)).toEqual([]);
  });
});
