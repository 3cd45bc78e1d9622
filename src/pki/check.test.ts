// Reuse checks: which existing CAs and certificates a re-run may keep, and what it says about the others.
import { beforeAll, describe, expect, it } from 'vitest';
import type { CertKeyPair } from './types.js';
import { createCA, createCertAndKey, type CertificateSpec } from './certificate.js';
import { caProblem, certProblem } from './check.js';

const NOW = new Date('2026-03-01T12:00:00Z');
const LATER = (hours: number) => new Date(NOW.getTime() + hours * 3600_000);
const SPEC: CertificateSpec = { commonName: 'kube-apiserver', usages: ['serverAuth'], dnsNames: ['kubernetes', 'cp-1'], ips: ['10.96.0.1'], validityHours: 100 };

describe('caProblem / certProblem', () => {
  let ca: CertKeyPair;
  let otherCA: CertKeyPair;
  let leaf: CertKeyPair;

  beforeAll(async () => {
    [ca, otherCA] = await Promise.all([
      createCA({ commonName: 'kubernetes', algorithm: 'ECDSA-P256', validityHours: 1000 }, { now: NOW }),
      createCA({ commonName: 'kubernetes', algorithm: 'ECDSA-P256', validityHours: 1000 }, { now: NOW }),
    ]);
    leaf = await createCertAndKey({ ...SPEC, algorithm: 'ECDSA-P256' }, ca, { now: NOW });
  });

  it.each([
    { name: 'a sound CA', pair: () => ca, now: NOW, problem: undefined },
    { name: 'a leaf posing as CA', pair: () => leaf, now: NOW, problem: /"kube-apiserver" is not a CA certificate/ },
    { name: 'a CA with a foreign key', pair: () => ({ cert: ca.cert, key: otherCA.key }), now: NOW, problem: /key does not belong to CA certificate "kubernetes"/ },
    { name: 'an expired CA', pair: () => ca, now: LATER(1001), problem: /expired at 2026-04-12T04:00:00.000Z/ },
    { name: 'garbage', pair: () => ({ cert: 'x', key: 'y' }), now: NOW, problem: /^unreadable certificate: / },
  ])('CA: $name', ({ pair, now, problem }) => {
    const got = caProblem(pair(), now);
    if (problem === undefined) expect(got).toBeUndefined();
    else expect(got).toMatch(problem);
  });

  it.each([
    { name: 'a sound certificate', spec: SPEC, caCert: () => ca.cert, now: NOW, problem: undefined },
    { name: 'one signed by another CA', spec: SPEC, caCert: () => otherCA.cert, now: NOW, problem: /not signed by the current CA/ },
    { name: 'one past its validity', spec: SPEC, caCert: () => ca.cert, now: LATER(101), problem: /expired/ },
    { name: 'one not valid yet (clock behind)', spec: SPEC, caCert: () => ca.cert, now: LATER(-1), problem: /not valid until .*check the clock/ },
    { name: 'one missing a newly wanted SAN', spec: { ...SPEC, dnsNames: ['kubernetes', 'lb.example.test'] }, caCert: () => ca.cert, now: NOW, problem: /lacks subject alternative names lb.example.test/ },
    { name: 'one with another subject', spec: { ...SPEC, organizations: ['kubeadm:cluster-admins'] }, caCert: () => ca.cert, now: NOW, problem: /has subject "CN=kube-apiserver", expected "O=kubeadm:cluster-admins, CN=kube-apiserver"/ },
    { name: 'one lacking a usage', spec: { ...SPEC, usages: ['serverAuth', 'clientAuth'] as CertificateSpec['usages'] }, caCert: () => ca.cert, now: NOW, problem: /lacks extended key usage clientAuth/ },
  ])('leaf: $name', ({ spec, caCert, now, problem }) => {
    const got = certProblem(leaf, spec, caCert(), now);
    if (problem === undefined) expect(got).toBeUndefined();
    else expect(got).toMatch(problem);
  });

  it('never echoes key material', () => {
    const got = caProblem({ cert: ca.cert, key: 'SECRET-KEY-TEXT' }, NOW);
    expect(got).toMatch(/^unreadable key: /);
    expect(got).not.toContain('SECRET-KEY-TEXT');
  });
});
