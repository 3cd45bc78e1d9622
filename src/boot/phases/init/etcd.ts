// init phase "etcd": the static pod manifest of the first (and only) member of a stacked etcd cluster;
// skipped with external etcd (upstream: cmd/kubeadm/app/cmd/phases/init/etcd.go, phases/etcd/local.go
// CreateLocalEtcdStaticPodManifestFile). The pod itself is built by src/kube.
import { MANIFESTS_DIR, etcdPod } from '../../../kube/index.js';
import { toYaml } from '../../../yaml.js';
import type { Phase } from '../../runner.js';
import type { BootData } from '../../data.js';
import { writeIfChanged } from '../../node/files.js';

export function etcdPhase(): Phase<BootData> {
  return {
    name: 'etcd',
    short: 'Generate static Pod manifest file for local etcd',
    runIf: (d) => 'local' in d.config.cluster.etcd,
    phases: [
      {
        name: 'local',
        short: 'Generate the static Pod manifest file for a local, single-node local etcd instance',
        dependsOn: ['certs/etcd-server', 'certs/etcd-peer', 'certs/etcd-healthcheck-client'],
        async run({ config, cluster, host, log }) {
          log.phase('etcd', `Creating static Pod manifest for local etcd in "${MANIFESTS_DIR}"`);
          if (cluster.etcd.local) await host.mkdir(cluster.etcd.local.dataDir, 0o700);
          await writeIfChanged(host, `${MANIFESTS_DIR}/etcd.yaml`, toYaml(etcdPod(cluster, config.node)), { mode: 0o600 });
        },
      },
    ],
  };
}
