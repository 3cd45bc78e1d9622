// init phase "upload-certs": the shared CA and service-account keys, each sealed with the certificate key
// (AES-256-GCM envelope, src/secrets/envelope.ts), into kube-system/kubeadm-certs, readable by bootstrap-
// token holders, owned by a proxy bootstrap token whose expiry garbage-collects it (upstream:
// cmd/kubeadm/app/cmd/phases/init/uploadcerts.go, phases/copycerts/copycerts.go UploadCerts).
// kubeadm only does this with --upload-certs; kgen always does, because its control-plane joiners get
// no key material in node.yaml. The proxy token lives as long as the cluster's join token
// (cluster.bootstrapToken.ttlSeconds) rather than kubeadm's 2h, since joiners boot whenever their machine
// does within that window. The proxy token's id and secret are derived from the certificate key, so every
// run of this phase names the same token: a re-run (even after a kill between creating the token and the
// Secret) reuses it instead of leaving a second one behind.
import {
  KUBEADM_CERTS_SECRET,
  KUBE_SYSTEM,
  certsProxyToken,
  certsToTransfer,
  kubeadmCertsRBAC,
  kubeadmCertsSecret,
  pkiPath,
  type Secret,
} from '../../../kube/index.js';
import { bootstrapTokenSecret, bootstrapTokenSecretName } from '../../../cluster/bootstrap-token.js';
import { createHmac } from 'node:crypto';
import { sealKubeadmCert } from '../../../secrets/envelope.js';
import { newBootstrapToken } from '../../../secrets/tokens.js';
import type { ApiClient } from '../../../cluster/api-client.js';
import type { Phase } from '../../runner.js';
import type { BootData } from '../data.js';

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

/** The token id and Secret uid that will own kubeadm-certs: the current owner when it still exists, else the proxy token. */
async function proxyTokenOwner(data: BootData, api: ApiClient, certificateKey: string): Promise<{ tokenID: string; uid: string }> {
  const existing = await api.getIfExists<SecretWithUid>('v1', 'Secret', KUBEADM_CERTS_SECRET, KUBE_SYSTEM);
  const ownerName = existing?.metadata.ownerReferences?.[0]?.name;
  if (ownerName) {
    const owner = await api.getIfExists<SecretWithUid>('v1', 'Secret', ownerName, KUBE_SYSTEM);
    if (owner?.metadata.uid) return { tokenID: ownerName.replace(bootstrapTokenSecretName(''), ''), uid: owner.metadata.uid };
  }
  const { host, config } = data;
  const derived = newBootstrapToken({
    now: host.clock.now(),
    ttlSeconds: config.cluster.bootstrapToken.ttlSeconds,
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

export function uploadCertsPhase(): Phase<BootData> {
  return {
    name: 'upload-certs',
    short: 'Upload certificates to kubeadm-certs',
    dependsOn: ['wait-control-plane', 'certs/ca', 'certs/front-proxy-ca', 'certs/sa'],
    async run(data) {
      const { host, config, log } = data;
      const key = config.certificateKey;
      if (!key) throw new Error('node.yaml has no certificateKey; the init node needs it to seal kubeadm-certs (re-render with kgen)');
      log.phase('upload-certs', `Storing the certificates in Secret "${KUBEADM_CERTS_SECRET}" in the "${KUBE_SYSTEM}" Namespace`);
      const sealed = new Map<string, Uint8Array>();
      // With encryption at rest, joiners need the same key: the EncryptionConfiguration travels too.
      for (const file of certsToTransfer(data.cluster.etcd.external !== undefined, { encryptionAtRest: data.cluster.encryptionAtRest })) {
        sealed.set(file, sealKubeadmCert(key, await host.readFile(pkiPath(file)), (n) => host.random.bytes(n)));
      }
      const api = await data.admin();
      const owner = await proxyTokenOwner(data, api, key);
      await api.createOrUpdate(kubeadmCertsSecret(sealed, owner));
      for (const obj of kubeadmCertsRBAC()) await api.createOrUpdate(obj);
    },
  };
}
