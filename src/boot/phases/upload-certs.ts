// Phase "upload-certs", in both workflows: the shared CA and service-account keys (and, with encryption at
// rest, the EncryptionConfiguration) read from /etc/kubernetes/pki, sealed with the certificate key into
// kube-system/kubeadm-certs by src/cluster/kubeadm-certs.ts (upstream: cmd/kubeadm/app/cmd/phases/init/
// uploadcerts.go; `kubeadm init phase upload-certs --upload-certs` runs it on any control-plane node).
// kubeadm only does this with --upload-certs; kgen's init always does, because its control-plane joiners get
// no key material in node.yaml. In the join workflow it is kgen-boot's `kubeadm init phase upload-certs`:
// it runs only when named (`kgen-boot phase upload-certs`, e.g. when kubeadm-certs expired before a node
// joined), never as part of `run`, since kubeadm join uploads nothing. The key is node.yaml's certificateKey
// or `--certificate-key` (commands.ts). The proxy token lives as long as the cluster's join token
// (cluster.bootstrapToken.ttlSeconds) rather than kubeadm's 2h, since joiners boot whenever their machine
// does within that window.
import { KUBEADM_CERTS_SECRET, KUBE_SYSTEM, pkiPath } from '../../kube/index.js';
import { certsToTransfer, uploadKubeadmCerts } from '../../cluster/kubeadm-certs.js';
import type { Phase } from '../runner.js';
import type { BootData } from '../data.js';

export const UPLOAD_CERTS = 'upload-certs';

/** Whether this invocation is `phase upload-certs` alone (the join workflow's only way to run it). */
export const uploadCertsNamed = (d: BootData): boolean => d.plan.size === 1 && d.plan.has(UPLOAD_CERTS);

export function uploadCertsPhase(options: { dependsOn: string[]; runIf?: (d: BootData) => boolean }): Phase<BootData> {
  return {
    name: UPLOAD_CERTS,
    short: 'Upload certificates to kubeadm-certs',
    dependsOn: options.dependsOn,
    runIf: options.runIf,
    async run(data) {
      const { host, config, log } = data;
      const key = config.certificateKey;
      if (!key) throw new Error('no certificate key: node.yaml has no certificateKey and no --certificate-key was given; it seals kubeadm-certs (re-render with kgen, or pass the state\'s certificate-key)');
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
