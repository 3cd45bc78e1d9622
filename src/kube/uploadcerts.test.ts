import { describe, expect, it } from 'vitest';
import { toYamlDocuments } from '../yaml.js';
import { bootstrapTokenSecret } from '../cluster/bootstrap-token.js';
import { ENCRYPTION_CONFIG_FILE } from './constants.js';
import { ENCRYPTION_CONFIG_TRANSFER_NAME, certsProxyToken, certsToTransfer, kubeadmCertsRBAC, kubeadmCertsSecret } from './uploadcerts.js';

describe('upload-certs objects', () => {
  const sealed = new Map(certsToTransfer(false).map((f, i) => [f, Uint8Array.from([i, 1, 2, 3])] as const));
  const secret = kubeadmCertsSecret(sealed, { tokenID: 'zyxwvu', uid: '1b4e28ba-2fa1-11d2-883f-0016d3cca427' });

  it('objects match the snapshot', async () => {
    await expect(toYamlDocuments([secret, ...kubeadmCertsRBAC()])).toMatchFileSnapshot('__snapshots__/upload-certs.yaml');
  });

  it.each([
    { externalEtcd: false, keys: ['ca.crt', 'ca.key', 'etcd-ca.crt', 'etcd-ca.key', 'front-proxy-ca.crt', 'front-proxy-ca.key', 'sa.key', 'sa.pub'] },
    { externalEtcd: true, keys: ['ca.crt', 'ca.key', 'external-etcd-ca.crt', 'external-etcd.crt', 'external-etcd.key', 'front-proxy-ca.crt', 'front-proxy-ca.key', 'sa.key', 'sa.pub'] },
  ])('data keys with externalEtcd=$externalEtcd', ({ externalEtcd, keys }) => {
    const s = kubeadmCertsSecret(new Map(certsToTransfer(externalEtcd).map((f) => [f, new Uint8Array(1)] as const)), { tokenID: 'a', uid: 'u' });
    expect(Object.keys(s.data).sort()).toEqual(keys);
  });

  it('adds the EncryptionConfiguration, by its name under the pki directory, with encryption at rest', () => {
    expect(certsToTransfer(false, { encryptionAtRest: true })).toContain('encryption-config.yaml');
    expect(certsToTransfer(false)).not.toContain('encryption-config.yaml');
    expect(`/etc/kubernetes/pki/${ENCRYPTION_CONFIG_TRANSFER_NAME}`).toBe(ENCRYPTION_CONFIG_FILE);
  });

  it('values are the sealed bytes in base64', () => {
    expect(Buffer.from(secret.data['etcd-ca.crt']!, 'base64')).toEqual(Buffer.from([6, 1, 2, 3]));
  });

  it('is owned by the proxy token Secret so it expires with it', () => {
    expect(secret.metadata.ownerReferences).toEqual([
      { apiVersion: 'v1', kind: 'Secret', name: 'bootstrap-token-zyxwvu', uid: '1b4e28ba-2fa1-11d2-883f-0016d3cca427', controller: true, blockOwnerDeletion: true },
    ]);
    const proxy = bootstrapTokenSecret(certsProxyToken('zyxwvu', '0123456789abcdef', '2026-11-23T08:00:00Z'));
    expect(Object.keys(proxy.data).sort()).toEqual(['description', 'expiration', 'token-id', 'token-secret']);
  });

  it('RBAC lets token holders get only kubeadm-certs', () => {
    const [role, binding] = kubeadmCertsRBAC();
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['secrets'], resourceNames: ['kubeadm-certs'], verbs: ['get'] }]);
    expect(binding.subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:bootstrappers:kubeadm:default-node-token' }]);
  });
});
