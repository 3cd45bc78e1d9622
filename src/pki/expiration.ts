// Certificate expiry as `kubeadm certs check-expiration` reports it (upstream: cmd/kubeadm/app/cmd/certs.go
// newCmdCertsExpiration, cmd/kubeadm/app/phases/certs/renewal/manager.go): for each certificate its end of
// validity, the time left, which CA signed it and whether it is externally managed (kubeadm: the signing CA's
// key is not at hand, so kubeadm could not renew it). Time left is negative once expired.
import type { CertKeyPair } from './types.js';
import { certSignedBy, parseCertificate } from './parse.js';

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
