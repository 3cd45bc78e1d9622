// Idempotency checks: may an existing CA or certificate on disk be kept? Mirrors what kubeadm verifies before
// reusing files (upstream cmd/kubeadm/app/phases/certs/certs.go validateCACertAndKey / validateSignedCert /
// validateCertificateWithConfig): parsable, key matches, signed by the CA, within its validity period, and for
// leaves the subject, usages and SANs the spec asks for. Each returns a sentence naming the problem, or
// undefined when the material is sound; messages never include key material.
import type { CertKeyPair } from './types.js';
import type { CertificateSpec } from './certificate.js';
import { normalizeAltNames } from './extensions.js';
import { formatName } from './name.js';
import { certMatchesKey, certSignedBy, parseCertificate, type ParsedCertificate } from './parse.js';

function attempt<T>(what: string, f: () => T): T | string {
  try {
    return f();
  } catch (e) {
    return `${what}: ${(e as Error).message}`;
  }
}

function periodProblem(cert: ParsedCertificate, now: Date): string | undefined {
  if (now < cert.notBefore) return `it is not valid until ${cert.notBefore.toISOString()}; check the clock`;
  if (now > cert.notAfter) return `it expired at ${cert.notAfter.toISOString()}`;
  return undefined;
}

/** A problem with a CA key pair, or undefined when it can sign. */
export function caProblem(pair: CertKeyPair, now: Date): string | undefined {
  const cert = attempt('unreadable certificate', () => parseCertificate(pair.cert));
  if (typeof cert === 'string') return cert;
  if (!cert.isCA) return `"${cert.subject.commonName}" is not a CA certificate (basicConstraints CA:FALSE)`;
  const matches = attempt('unreadable key', () => certMatchesKey(pair.cert, pair.key));
  if (typeof matches === 'string') return matches;
  if (!matches) return `the key does not belong to CA certificate "${cert.subject.commonName}"`;
  const period = periodProblem(cert, now);
  return period && `CA certificate "${cert.subject.commonName}": ${period}`;
}

/** A problem with an existing leaf against its spec and CA, or undefined when it can be kept. */
export function certProblem(pair: CertKeyPair, spec: CertificateSpec, caCertPem: string, now: Date): string | undefined {
  const cert = attempt('unreadable certificate', () => parseCertificate(pair.cert));
  if (typeof cert === 'string') return cert;
  const name = `certificate "${spec.commonName}"`;
  const matches = attempt('unreadable key', () => certMatchesKey(pair.cert, pair.key));
  if (typeof matches === 'string') return matches;
  if (!matches) return `the key does not belong to ${name}`;
  if (!certSignedBy(pair.cert, caCertPem)) return `${name} is not signed by the current CA`;
  const period = periodProblem(cert, now);
  if (period) return `${name}: ${period}`;
  const wantName = formatName({ commonName: spec.commonName, organizations: spec.organizations ?? [] });
  if (formatName(cert.subject) !== wantName) return `${name} has subject "${formatName(cert.subject)}", expected "${wantName}"`;
  const missingUsages = spec.usages.filter((u) => !cert.extKeyUsages.includes(u));
  if (missingUsages.length > 0) return `${name} lacks extended key usage ${missingUsages.join(', ')}`;
  const want = normalizeAltNames({ dnsNames: spec.dnsNames, ips: spec.ips });
  const missing = [...want.dnsNames.filter((d) => !cert.dnsNames.includes(d)), ...want.ips.filter((ip) => !cert.ips.includes(ip))];
  if (missing.length > 0) return `${name} lacks subject alternative names ${missing.join(', ')}`;
  return undefined;
}
