// The certificate key: 32 random bytes written as 64 lower-case hex characters (kubeadm's
// --certificate-key, cmd/kubeadm/app/phases/copycerts/copycerts.go CreateCertificateKey); it seals kubeadm-certs.
const CERTIFICATE_KEY_RE = /^[0-9a-f]{64}$/;

export function isCertificateKey(key: string): boolean {
  return CERTIFICATE_KEY_RE.test(key);
}
