// kubeadm's upload-certs phase: the kube-system/kubeadm-certs Secret carrying the shared CA and
// service-account keys (each value already AES-256-GCM encrypted with the certificate key), readable by
// token holders through Role/RoleBinding kubeadm:kubeadm-certs, and owned by a short-lived bootstrap
// token Secret so the garbage collector deletes it when that token expires
// (upstream: cmd/kubeadm/app/phases/copycerts/copycerts.go certsToTransfer, UploadCerts,
// createShortLivedBootstrapToken, getSecretOwnerRef, createRBAC).
import type { BootstrapToken } from '../secrets/types.js';
import { bootstrapTokenSecretName } from '../cluster/bootstrap-token.js';
import { CERTIFICATES_DIR, ENCRYPTION_CONFIG_FILE, KUBE_SYSTEM, KUBEADM_CERTS_SECRET, NODE_BOOTSTRAP_TOKEN_AUTH_GROUP, PKI } from './constants.js';
import { coreRule, group, role, roleBinding } from './rbac.js';
import type { Role, RoleBinding, Secret } from './types.js';

export const KUBEADM_CERTS_ROLE = 'kubeadm:kubeadm-certs';

/** The token that owns kubeadm-certs: no usages, no groups, 2h (constants.DefaultCertTokenDuration). */
export const CERTS_TOKEN_DESCRIPTION = 'Proxy for managing TTL for the kubeadm-certs secret';
export const CERTS_TOKEN_TTL_SECONDS = 2 * 60 * 60;

/** The EncryptionConfiguration's name under /etc/kubernetes/pki (kgen's addition to the transfer). */
export const ENCRYPTION_CONFIG_TRANSFER_NAME = ENCRYPTION_CONFIG_FILE.slice(CERTIFICATES_DIR.length + 1);

/**
 * Files under /etc/kubernetes/pki that upload-certs transfers (certsToTransfer). With encryption at rest
 * kgen adds the EncryptionConfiguration: every apiserver needs the same key, and kubeadm's own joiner
 * only reads the names it knows, so the extra entry does not disturb a real `kubeadm join`.
 */
export function certsToTransfer(externalEtcd: boolean, options: { encryptionAtRest?: boolean } = {}): string[] {
  const shared = [PKI.caCert, PKI.caKey, PKI.frontProxyCACert, PKI.frontProxyCAKey, PKI.saPublicKey, PKI.saPrivateKey];
  const etcd = externalEtcd ? ['external-etcd-ca.crt', 'external-etcd.crt', 'external-etcd.key'] : [PKI.etcdCACert, PKI.etcdCAKey];
  return [...shared, ...etcd, ...(options.encryptionAtRest ? [ENCRYPTION_CONFIG_TRANSFER_NAME] : [])];
}

/** Secret data key for a transferred file: "/" becomes "-" (etcd/ca.crt → etcd-ca.crt). */
export function kubeadmCertsDataKey(file: string): string {
  return file.replaceAll('/', '-');
}

/** The short-lived token to create first; its Secret's uid then owns kubeadm-certs. */
export function certsProxyToken(id: string, secret: string, expiration: string): BootstrapToken {
  return { id, secret, expiration, usages: [], groups: [], description: CERTS_TOKEN_DESCRIPTION };
}

/**
 * `encrypted` maps each transferred file name (as in certsToTransfer) to its sealed bytes
 * (nonce ‖ ciphertext ‖ tag). `owner` is the certs proxy token's id and its Secret's uid from the API.
 */
export function kubeadmCertsSecret(encrypted: ReadonlyMap<string, Uint8Array>, owner: { tokenID: string; uid: string }): Secret {
  const data: Record<string, string> = {};
  for (const [file, bytes] of encrypted) data[kubeadmCertsDataKey(file)] = Buffer.from(bytes).toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: KUBEADM_CERTS_SECRET,
      namespace: KUBE_SYSTEM,
      // metav1.NewControllerRef: controller and blockOwnerDeletion set.
      ownerReferences: [
        { apiVersion: 'v1', kind: 'Secret', name: bootstrapTokenSecretName(owner.tokenID), uid: owner.uid, controller: true, blockOwnerDeletion: true },
      ],
    },
    type: 'Opaque',
    data,
  };
}

export function kubeadmCertsRBAC(): [Role, RoleBinding] {
  return [
    role(KUBE_SYSTEM, KUBEADM_CERTS_ROLE, [coreRule(['get'], ['secrets'], [KUBEADM_CERTS_SECRET])]),
    roleBinding(KUBE_SYSTEM, KUBEADM_CERTS_ROLE, [group(NODE_BOOTSTRAP_TOKEN_AUTH_GROUP)]),
  ];
}
