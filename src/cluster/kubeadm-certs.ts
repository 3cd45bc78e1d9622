// kubeadm-certs, both ends, for both seats (upstream: cmd/kubeadm/app/phases/copycerts/copycerts.go):
// - the envelope: each value AES-256-GCM keyed with the 32-byte certificate key, laid out as
//   nonce(12) || ciphertext || tag(16), no additional data (cmd/kubeadm/app/util/crypto/crypto.go
//   EncryptBytes / DecryptBytes);
// - the objects: Secret kube-system/kubeadm-certs with one data key per transferred file ("/" turned to
//   "-"), readable by token holders through Role/RoleBinding kubeadm:kubeadm-certs, owned by a short-lived
//   bootstrap token Secret so the garbage collector deletes it when that token expires (certsToTransfer,
//   createShortLivedBootstrapToken, getSecretOwnerRef, createRBAC);
// - the upload (UploadCerts) and the download (DownloadCerts, getSecret, getDataFromSecret, writeCertOrKey):
//   everything is decrypted before anything is written, so a wrong key or a missing entry leaves the
//   node's disk untouched. Messages name the Secret and the fields, never a value or the key.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import {
  CERTIFICATES_DIR,
  ENCRYPTION_CONFIG_FILE,
  KUBE_SYSTEM,
  KUBEADM_CERTS_SECRET,
  NODE_BOOTSTRAP_TOKEN_AUTH_GROUP,
  PKI,
} from '../kube/constants.js';
import { coreRule, group, role, roleBinding } from '../kube/rbac.js';
import type { Role, RoleBinding, Secret } from '../kube/types.js';
import { isCertificateKey } from '../secrets/certificate-key.js';
import { newBootstrapToken } from '../secrets/tokens.js';
import type { BootstrapToken } from '../secrets/types.js';
import { ApiError, type ApiClient } from './api-client.js';
import { bootstrapTokenSecret, bootstrapTokenSecretName } from './bootstrap-token.js';

// ---- envelope -------------------------------------------------------------------------------------

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

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

// ---- objects --------------------------------------------------------------------------------------
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

// ---- upload ---------------------------------------------------------------------------------------

type SecretWithUid = Secret & { metadata: { uid?: string } };

/** A deterministic byte stream: HMAC-SHA256(certificate key, label/counter) blocks. */
function derivedBytes(certificateKey: string, label: string): (n: number) => Buffer {
  let counter = 0;
  let pool = Buffer.alloc(0);
  return (n) => {
    while (pool.length < n) {
      const block = createHmac('sha256', Buffer.from(certificateKey, 'hex')).update(`${label}/${counter++}`).digest();
      pool = Buffer.concat([pool, block]);
    }
    const out = pool.subarray(0, n);
    pool = pool.subarray(n);
    return out;
  };
}

/**
 * The token id and Secret uid that will own kubeadm-certs: the current owner when it still exists, else the
 * proxy token. The proxy token's id and secret are derived from the certificate key, so every upload names
 * the same token: a re-run (even after a kill between creating the token and the Secret) reuses it instead
 * of leaving a second one behind.
 */
async function proxyTokenOwner(api: ApiClient, certificateKey: string, now: Date, ttlSeconds: number): Promise<{ tokenID: string; uid: string }> {
  const existing = await api.getIfExists<SecretWithUid>('v1', 'Secret', KUBEADM_CERTS_SECRET, KUBE_SYSTEM);
  const ownerName = existing?.metadata.ownerReferences?.[0]?.name;
  if (ownerName) {
    const owner = await api.getIfExists<SecretWithUid>('v1', 'Secret', ownerName, KUBE_SYSTEM);
    if (owner?.metadata.uid) return { tokenID: ownerName.replace(bootstrapTokenSecretName(''), ''), uid: owner.metadata.uid };
  }
  const derived = newBootstrapToken({
    now,
    ttlSeconds,
    groups: [],
    description: '',
    random: derivedBytes(certificateKey, 'kgen upload-certs proxy token'),
  });
  const present = await api.getIfExists<SecretWithUid>('v1', 'Secret', bootstrapTokenSecretName(derived.id), KUBE_SYSTEM);
  if (present?.metadata.uid) return { tokenID: derived.id, uid: present.metadata.uid };
  const proxy = certsProxyToken(derived.id, derived.secret, derived.expiration);
  const created = await api.createOrUpdate<SecretWithUid>(bootstrapTokenSecret(proxy));
  if (!created.metadata.uid) throw new Error(`the API server returned Secret ${bootstrapTokenSecretName(proxy.id)} without a uid; cannot set the kubeadm-certs owner`);
  return { tokenID: proxy.id, uid: created.metadata.uid };
}

export interface UploadOptions {
  certificateKey: string;
  /** The files to transfer (certsToTransfer names) and their plain content. */
  files: ReadonlyMap<string, Buffer>;
  now: Date;
  /** Lifetime of a new proxy token, hence of the Secret. */
  proxyTokenTtlSeconds: number;
  /** Nonce source for the envelope. */
  random: (n: number) => Buffer;
}

/** Seals `files` into kube-system/kubeadm-certs, owned by the proxy token, and grants token holders read access. */
export async function uploadKubeadmCerts(api: ApiClient, opts: UploadOptions): Promise<void> {
  const sealed = new Map<string, Uint8Array>();
  for (const [file, content] of opts.files) sealed.set(file, sealKubeadmCert(opts.certificateKey, content, opts.random));
  const owner = await proxyTokenOwner(api, opts.certificateKey, opts.now, opts.proxyTokenTtlSeconds);
  await api.createOrUpdate(kubeadmCertsSecret(sealed, owner));
  for (const obj of kubeadmCertsRBAC()) await api.createOrUpdate(obj);
}

// ---- download -------------------------------------------------------------------------------------

/** Why kubeadm-certs could not be used: the Secret is gone (expired) or the certificate key does not open it. */
export class KubeadmCertsError extends Error {
  constructor(
    readonly reason: 'missing' | 'wrong-key' | 'incomplete',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'KubeadmCertsError';
  }
}

export const KUBEADM_CERTS_MISSING_HINT =
  `Secret "${KUBEADM_CERTS_SECRET}" was not found in the "${KUBE_SYSTEM}" Namespace. It is deleted when its proxy bootstrap token expires ` +
  '(cluster.bootstrapToken.ttl after the init node uploaded it). Upload it again on a running control-plane node with ' +
  '`kgen-boot phase upload-certs` (kubeadm: `kubeadm init phase upload-certs --upload-certs`), then run `kgen-boot run` on this node again';

/** One file to write: its path under the certificates directory and its content. */
export interface DownloadedFile {
  /** Relative to /etc/kubernetes/pki, e.g. "etcd/ca.key". */
  file: string;
  data: Buffer;
  /** 0600 for private keys and kgen's EncryptionConfiguration, 0644 for certificates and public keys (writeCertOrKey). */
  mode: number;
}

const PRIVATE_KEY = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;

/**
 * Opens `files` (as certsToTransfer names them) from the Secret; `secret` undefined means it was not found.
 * Empty entries are skipped as kubeadm skips them.
 */
export function openKubeadmCerts(secret: Secret | undefined, certificateKey: string, files: readonly string[]): DownloadedFile[] {
  if (!secret) throw new KubeadmCertsError('missing', KUBEADM_CERTS_MISSING_HINT);
  const data = secret.data ?? {};
  const out: DownloadedFile[] = [];
  for (const file of files) {
    const key = kubeadmCertsDataKey(file);
    const sealed = data[key];
    if (sealed === undefined) {
      throw new KubeadmCertsError(
        'incomplete',
        `Secret ${KUBE_SYSTEM}/${KUBEADM_CERTS_SECRET} does not include the required certificate or key "${key}" (path ${file}); upload the certificates again with \`kgen-boot phase upload-certs\` on a control-plane node`,
      );
    }
    const bytes = Buffer.from(sealed, 'base64');
    if (bytes.length === 0) continue;
    let plain: Buffer;
    try {
      plain = openKubeadmCert(certificateKey, bytes);
    } catch (err) {
      if (err instanceof EnvelopeError) {
        throw new KubeadmCertsError(
          'wrong-key',
          `error decoding Secret ${KUBE_SYSTEM}/${KUBEADM_CERTS_SECRET} with the certificate key from node.yaml (entry "${key}"): the key does not match the one the Secret was sealed with. ` +
            'Render this node again with `kgen render` from the same cluster state (or upload the certificates again with the current key), then run `kgen-boot run` again',
          { cause: err },
        );
      }
      throw err;
    }
    const secretFile = file === ENCRYPTION_CONFIG_TRANSFER_NAME || PRIVATE_KEY.test(plain.toString('latin1'));
    out.push({ file, data: plain, mode: secretFile ? 0o600 : 0o644 });
  }
  return out;
}

/**
 * Reads kube-system/kubeadm-certs with a bootstrap-token client and opens `files`; an authorization failure
 * names the token and what to check.
 */
export async function downloadKubeadmCerts(api: ApiClient, certificateKey: string, files: readonly string[], tokenID: string): Promise<DownloadedFile[]> {
  let secret: Secret | undefined;
  try {
    secret = await api.getIfExists<Secret>('v1', 'Secret', KUBEADM_CERTS_SECRET, KUBE_SYSTEM);
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
      throw new Error(
        `bootstrap token "${tokenID}" may not read Secret ${KUBE_SYSTEM}/${KUBEADM_CERTS_SECRET} (HTTP ${err.status}): the token expired or lacks ` +
          `the default-node-token group, or the Secret is gone (${KUBEADM_CERTS_MISSING_HINT})`,
        { cause: err },
      );
    }
    throw err;
  }
  return openKubeadmCerts(secret, certificateKey, files);
}
