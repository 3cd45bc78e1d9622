// init phase "certs": one child per certificate, in kubeadm's order (each CA, then the leaves it signs,
// then the service-account key). The CAs and the service-account key come from node.yaml (kgen renders
// them once for the cluster); leaves are issued on the node (src/boot/node/certs.ts)
// (upstream: cmd/kubeadm/app/cmd/phases/init/certs.go).
import { CERTIFICATES_DIR } from '../../../kube/index.js';
import { KUBEADM_CAS, KUBEADM_LEAVES, isEtcdOnly, type KubeadmCAName } from '../../../pki/index.js';
import type { Phase } from '../../runner.js';
import { isLocalEtcd, type BootData } from '../../data.js';
import { caFromConfig, writeCA, writeExternalEtcd, writeLeaf, writeServiceAccountKey } from '../../node/certs.js';

export function certsPhase(): Phase<BootData> {
  const etcdOnly = (ca: KubeadmCAName) => (isEtcdOnly(ca) ? { runIf: isLocalEtcd } : {});
  const children: Phase<BootData>[] = [];
  for (const ca of Object.values(KUBEADM_CAS)) {
    children.push({ name: ca.name, short: `Write the ${ca.longName}`, run: (d) => writeCA(d, ca.name, caFromConfig(d, ca.name)), ...etcdOnly(ca.name) });
    for (const leaf of KUBEADM_LEAVES.filter((l) => l.ca === ca.name)) {
      children.push({
        name: leaf.name,
        short: `Generate the ${leaf.longName}`,
        run: (d) => writeLeaf(d, leaf.name, caFromConfig(d, leaf.ca)),
        dependsOn: [`certs/${leaf.ca}`],
        ...etcdOnly(leaf.ca),
      });
    }
  }
  children.push({ name: 'sa', short: 'Write the private key for signing service account tokens along with its public key', run: writeServiceAccountKey });
  children.push({
    name: 'external-etcd',
    short: 'Write the external etcd CA and client certificate (external etcd only; beyond kubeadm)',
    runIf: (d) => !isLocalEtcd(d),
    run: writeExternalEtcd,
  });
  return {
    name: 'certs',
    short: 'Certificate generation',
    phases: children,
    run: async (d) => {
      d.log.phase('certs', `Using certificateDir folder "${CERTIFICATES_DIR}"`);
      await d.warmKeys();
    },
  };
}
