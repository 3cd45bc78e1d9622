// The kubeadm-certs envelope: AES-256-GCM keyed with the 32-byte certificate key (64 hex characters),
// laid out as nonce(12) || ciphertext || tag(16), no additional data.
// Upstream: cmd/kubeadm/app/util/crypto/crypto.go (EncryptBytes / DecryptBytes), used by
// cmd/kubeadm/app/phases/copycerts/copycerts.go.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const CERTIFICATE_KEY_RE = /^[0-9a-f]{64}$/;

export function isCertificateKey(key: string): boolean {
  return CERTIFICATE_KEY_RE.test(key);
}

function keyBytes(certificateKey: string): Buffer {
  if (!isCertificateKey(certificateKey)) {
    throw new Error('the certificate key must be 64 lower-case hex characters (32 bytes)');
  }
  return Buffer.from(certificateKey, 'hex');
}

export function sealKubeadmCert(certificateKey: string, data: Buffer, random: (n: number) => Buffer = randomBytes): Buffer {
  const nonce = random(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keyBytes(certificateKey), nonce);
  return Buffer.concat([nonce, cipher.update(data), cipher.final(), cipher.getAuthTag()]);
}

export class EnvelopeError extends Error {}

export function openKubeadmCert(certificateKey: string, sealed: Buffer): Buffer {
  if (sealed.length < NONCE_BYTES + TAG_BYTES) {
    throw new EnvelopeError(`sealed value is ${sealed.length} bytes, shorter than nonce + tag (${NONCE_BYTES + TAG_BYTES})`);
  }
  const nonce = sealed.subarray(0, NONCE_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', keyBytes(certificateKey), nonce);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch (cause) {
    throw new EnvelopeError('could not decrypt kubeadm-certs: the certificate key does not match the one the Secret was sealed with', { cause });
  }
}
