// Certificate expiry as `kubeadm certs check-expiration` reports it (upstream: cmd/kubeadm/app/cmd/certs.go
// newCmdCertsExpiration, cmd/kubeadm/app/phases/certs/renewal/manager.go): for each certificate its end of
// validity, the time left, which CA signed it and whether it is externally managed (kubeadm: the signing CA's
// key is not at hand, so kubeadm could not renew it). Time left is negative once expired.
import type { CertKeyPair } from './types.js';
import { certSignedBy, parseCertificate } from './parse.js';
import { KUBEADM_CAS } from './certlist.js';

export interface KnownCA {
  name: string;
  pair: Partial<CertKeyPair> & { cert: string };
}

export interface CertificateExpiration {
  name: string;
  notAfter: Date;
  residualMs: number;
  /** Name of the known CA that signed it; undefined when none did. */
  certificateAuthority?: string;
  /** No known CA with its key signed it: kgen cannot renew it. */
  externallyManaged: boolean;
}

/** The cluster's CAs by kubeadm's names, with their files in kubeadm's layout (the state's and /etc/kubernetes/pki's). */
export function clusterCAs(pairs: { ca: CertKeyPair; frontProxyCA: CertKeyPair; etcdCA?: CertKeyPair }): Array<KnownCA & { file: string }> {
  const entry = (ca: (typeof KUBEADM_CAS)[keyof typeof KUBEADM_CAS], pair: CertKeyPair) => ({ name: ca.name, file: `pki/${ca.baseName}.crt`, pair });
  return [
    entry(KUBEADM_CAS.ca, pairs.ca),
    entry(KUBEADM_CAS['front-proxy-ca'], pairs.frontProxyCA),
    ...(pairs.etcdCA ? [entry(KUBEADM_CAS['etcd-ca'], pairs.etcdCA)] : []),
  ];
}

/** A CA's own expiry (its signer is itself; externally managed when its key is not at hand). */
export function caExpiration(ca: KnownCA, now: Date): CertificateExpiration {
  const { notAfter } = parseCertificate(ca.pair.cert);
  return { name: ca.name, notAfter, residualMs: notAfter.getTime() - now.getTime(), externallyManaged: ca.pair.key === undefined };
}

/** A leaf certificate's expiry and the known CA that signed it. */
export function certificateExpiration(name: string, certPem: string, cas: readonly KnownCA[], now: Date): CertificateExpiration {
  const { notAfter } = parseCertificate(certPem);
  const signer = cas.find((ca) => certSignedBy(certPem, ca.pair.cert));
  return {
    name,
    notAfter,
    residualMs: notAfter.getTime() - now.getTime(),
    certificateAuthority: signer?.name,
    externallyManaged: signer?.pair.key === undefined,
  };
}

/** How far ahead `render` warns about expiring certificates. */
export const EXPIRY_WARNING_DAYS = 90;
const DAY_MS = 86_400_000;

/**
 * Warnings for a render: a CA that expires within EXPIRY_WARNING_DAYS (every certificate it signed stops being
 * trusted then), and a leaf validity so short that what the nodes issue at first boot expires within them.
 */
export function expiryWarnings(cas: ReadonlyArray<KnownCA & { file: string }>, leafValidityHours: number, now: Date): string[] {
  const warnings: string[] = [];
  for (const ca of cas) {
    const { residualMs, notAfter } = caExpiration(ca, now);
    if (residualMs >= EXPIRY_WARNING_DAYS * DAY_MS) continue;
    const when = residualMs < 0 ? `expired at ${notAfter.toISOString()}` : `expires at ${notAfter.toISOString()} (in ${Math.floor(residualMs / DAY_MS)} days)`;
    warnings.push(`CA ${ca.name} (${ca.file}) ${when}: every certificate it signed stops being trusted then; plan the CA rotation now (kubeadm: manual rotation of CA certificates)`);
  }
  if (leafValidityHours * 3600_000 < EXPIRY_WARNING_DAYS * DAY_MS) {
    warnings.push(
      `cluster.certificates.validity is ${leafValidityHours}h: the certificates nodes issue at first boot expire within ${EXPIRY_WARNING_DAYS} days; ` +
        'watch them with `kgen certs check-expiration` and renew them in time',
    );
  }
  return warnings;
}
