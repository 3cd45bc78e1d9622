// EncryptionConfiguration for Secrets at rest (beyond kubeadm, which leaves this to the operator):
// aescbc with one key, identity as the fallback so Secrets written before encryption stay readable
// (upstream: staging/src/k8s.io/apiserver/pkg/apis/apiserver/v1/types.go EncryptionConfiguration).
// The apiserver reads it from ENCRYPTION_CONFIG_FILE via --encryption-provider-config.

export interface EncryptionConfiguration {
  apiVersion: 'apiserver.config.k8s.io/v1';
  kind: 'EncryptionConfiguration';
  resources: Array<{
    resources: string[];
    providers: Array<{ aescbc: { keys: Array<{ name: string; secret: string }> } } | { identity: Record<string, never> }>;
  }>;
}

/** `key` is base64 of 32 random bytes (SecretsBundle.encryptionKey). */
export function encryptionConfiguration(key: string): EncryptionConfiguration {
  if (Buffer.from(key, 'base64').length !== 32) {
    throw new Error('the encryption-at-rest key must be base64 of exactly 32 bytes (AES-256); regenerate it in the secrets state');
  }
  return {
    apiVersion: 'apiserver.config.k8s.io/v1',
    kind: 'EncryptionConfiguration',
    resources: [
      {
        resources: ['secrets'],
        providers: [{ aescbc: { keys: [{ name: 'key1', secret: key }] } }, { identity: {} }],
      },
    ],
  };
}
