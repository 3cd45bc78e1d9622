// The cluster secrets bundle (model: Talos pkg/machinery/config/generate/secrets): serializable data,
// separate from the code that creates (newBundle) or loads (loadBundle) it.
// All keys and certificates are PEM strings: private keys as kubeadm writes them, PKCS#1 "RSA PRIVATE KEY" or
// SEC1 "EC PRIVATE KEY" (src/pki/keys.ts); states written by older kgen versions hold PKCS#8 "PRIVATE KEY",
// which every reader still accepts and nothing rewrites. "CERTIFICATE" for certificates.

import type { CertKeyPair } from '../pki/types.js';

export interface BootstrapToken {
  /** [a-z0-9]{6} */
  id: string;
  /** [a-z0-9]{16} */
  secret: string;
  /** RFC 3339, UTC, e.g. 2026-11-24T06:00:00Z */
  expiration: string;
  usages: Array<'authentication' | 'signing'>;
  groups: string[];
  description: string;
}

export interface SecretsBundle {
  clusterName: string;
  ca: CertKeyPair;
  frontProxyCA: CertKeyPair;
  /** Present with stacked (local) etcd only. */
  etcdCA?: CertKeyPair;
  /** Service-account signing key pair: private key (see above), SPKI public key. */
  sa: { key: string; pub: string };
  /** The first is the cluster's join token; later ones are added by `render --reimage`. */
  bootstrapTokens: BootstrapToken[];
  /** 64 hex characters: the AES-256 key for the kubeadm-certs Secret. */
  certificateKey: string;
  /** base64 of 32 random bytes, for EncryptionConfiguration (only when encryptionAtRest). */
  encryptionKey?: string;
}
