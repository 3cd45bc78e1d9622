// /var/lib/kubelet/config.yaml as kubeadm's kubelet-start writes it on init and on join (upstream:
// cmd/kubeadm/app/phases/kubelet/config.go WriteConfigToDisk, which runs the component config's Mutate first;
// cmd/kubeadm/app/componentconfigs/kubelet_unix.go Mutate, isServiceActive). Whether systemd-resolved is
// active is asked of the node itself, through the Host's service manager, at the moment the file is written.
// Where NodeLocalCRISocket applies (v1.34+), instance-config.yaml is written first and merged into config.yaml
// (phases/kubelet/config.go WriteInstanceConfigToDisk, WriteConfigToDisk).
import { KUBELET_CONFIG_FILE, KUBELET_INSTANCE_CONFIG_FILE, kubeletInstanceConfig, mutateResolverConfig, withInstanceConfig } from '../../kube/index.js';
import { toYaml } from '../../yaml.js';
import type { BootData } from '../data.js';
import type { Host } from '../host.js';
import type { Logger } from '../log.js';

const SYSTEMD_RESOLVED = 'systemd-resolved';

/** Whether systemd-resolved runs here; when the node cannot say (no systemd), kubeadm warns and counts it as not. */
async function systemdResolvedActive(host: Host, log: Logger, tag: string): Promise<boolean> {
  try {
    return await host.services.isActive(SYSTEMD_RESOLVED);
  } catch (err) {
    log.warn(`cannot determine if ${SYSTEMD_RESOLVED} is active: ${(err as Error).message}`, tag);
    return false;
  }
}

/** Writes instance-config.yaml (v1.34+), then config.yaml: `config` with kubeadm's on-node mutation (resolvConf) and the instance configuration. */
export async function writeKubeletConfigToDisk(data: Pick<BootData, 'host' | 'log' | 'cluster' | 'config'>, config: Record<string, unknown>, tag: string): Promise<void> {
  const { host, log, cluster } = data;
  const node = data.config.node;
  const instance = kubeletInstanceConfig(cluster, node);
  if (instance !== undefined) {
    log.phase(tag, `Writing kubelet instance configuration to file "${KUBELET_INSTANCE_CONFIG_FILE}"`);
    await host.writeFile(KUBELET_INSTANCE_CONFIG_FILE, instance);
  }
  const mutated = mutateResolverConfig(withInstanceConfig(config, cluster, node), await systemdResolvedActive(host, log, tag));
  if (mutated.warning) log.warn(mutated.warning, tag);
  log.phase(tag, `Writing kubelet configuration to file "${KUBELET_CONFIG_FILE}"`);
  await host.writeFile(KUBELET_CONFIG_FILE, toYaml(mutated.config));
}
