// PEM armour (RFC 7468): base64 in 64-character lines between BEGIN/END labels, as Go's encoding/pem writes.

export function toPem(label: string, der: Buffer): string {
  const b64 = der.toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** DER of the first block with this label; `what` names the input in the error (never its contents). */
export function fromPem(pem: string, label: string, what: string): Buffer {
  const re = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]*?)-----END ${label}-----`);
  const m = re.exec(pem);
  if (!m) throw new Error(`${what}: expected a PEM "${label}" block, found none; pass the PEM text itself, not a path`);
  return Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64');
}

/** The private-key blocks kubeadm reads (client-go keyutil.ParsePrivateKeyPEM): SEC1, PKCS#1 and PKCS#8. */
export const PRIVATE_KEY_LABELS = ['EC PRIVATE KEY', 'RSA PRIVATE KEY', 'PRIVATE KEY'] as const;

/** True when `text` holds a PEM block with one of PRIVATE_KEY_LABELS (not whether the key parses). */
export function hasPrivateKeyPem(text: string): boolean {
  return PRIVATE_KEY_LABELS.some((label) => text.includes(`-----BEGIN ${label}-----`));
}
