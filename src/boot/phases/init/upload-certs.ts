// init phase "upload-certs": the shared CA and service-account keys (and, with encryption at rest, the
// EncryptionConfiguration), sealed with the certificate key into kube-system/kubeadm-certs by
// src/cluster/kubeadm-certs.ts (upstream: cmd/kubeadm/app/cmd/phases/init/uploadcerts.go).
// kubeadm only does this with --upload-certs; kgen always does, because its control-plane joiners get
// no key material in node.yaml. The proxy token lives as long as the cluster's join token
// (cluster.bootstrapToken.ttlSeconds) rather than kubeadm's 2h, since joiners boot whenever their machine
// does within that window.
import { KUBEADM_CERTS_SECRET, KUBE_SYSTEM, pkiPath } from '../../../kube/index.js';
import { certsToTransfer, uploadKubeadmCerts } from '../../../cluster/kubeadm-certs.js';
import type { Phase } from '../../runner.js';
import type { BootData } from '../../data.js';

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
      const files = new Map<string, Buffer>();
      for (const file of certsToTransfer(data.cluster.etcd.external !== undefined, { encryptionAtRest: data.cluster.encryptionAtRest })) {
        files.set(file, await host.readFile(pkiPath(file)));
      }
      await uploadKubeadmCerts(await data.admin(), {
        certificateKey: key,
        files,
        now: host.clock.now(),
        proxyTokenTtlSeconds: config.cluster.bootstrapToken.ttlSeconds,
        random: (n) => host.random.bytes(n),
      });
    },
  };
}
