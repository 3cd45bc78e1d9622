// The joining side of kubeadm-certs (upstream: cmd/kubeadm/app/phases/copycerts/copycerts.go DownloadCerts,
// getSecret, getDataFromSecret, writeCertOrKey): read kube-system/kubeadm-certs, open every value with the
// certificate key (AES-256-GCM envelope, src/secrets/envelope.ts) and hand back the files to write under
// /etc/kubernetes/pki. Everything is decrypted before anything is written, so a wrong key or a missing entry
// leaves the node's disk untouched. Messages name the Secret and the fields, never a value or the key.
import { ENCRYPTION_CONFIG_TRANSFER_NAME, KUBEADM_CERTS_SECRET, KUBE_SYSTEM, kubeadmCertsDataKey, type Secret } from '../kube/index.js';
import { EnvelopeError, openKubeadmCert } from '../secrets/envelope.js';

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
