// The PKI's own data types, the base the inventory (which algorithm to generate), the secrets bundle and
// the node contract (which key pairs a node receives) build on.

/** Key algorithms kgen generates (kubeadm's EncryptionAlgorithmType names, spelled out with their size). */
export const KEY_ALGORITHMS = ['RSA-2048', 'RSA-3072', 'RSA-4096', 'ECDSA-P256'] as const;
export type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];

/** A certificate and its private key, both PEM. */
export interface CertKeyPair {
  cert: string;
  key: string;
}
