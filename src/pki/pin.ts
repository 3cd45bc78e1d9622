// CA public-key pins as kubeadm writes them for --discovery-token-ca-cert-hash: "sha256:" followed by the
// lower-case hex SHA-256 of the certificate's DER SubjectPublicKeyInfo
// (upstream cmd/kubeadm/app/util/pubkeypin/pubkeypin.go Hash).
import { createHash } from 'node:crypto';
import { parseCertificate } from './parse.js';

export const PIN_PREFIX = 'sha256:';

export function caCertHash(certPem: string): string {
  return PIN_PREFIX + createHash('sha256').update(parseCertificate(certPem).spkiDer).digest('hex');
}

/** True when the pin (any case, as kubeadm accepts) matches the certificate. */
export function pinMatches(pin: string, certPem: string): boolean {
  return pin.toLowerCase() === caCertHash(certPem);
}
