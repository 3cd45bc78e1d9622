// /var/lib/kubelet/config.yaml as kubeadm's kubelet-start writes it on init and on join (upstream:
// cmd/kubeadm/app/phases/kubelet/config.go WriteConfigToDisk, which runs the component config's Mutate first;
// cmd/kubeadm/app/componentconfigs/kubelet_unix.go Mutate, isServiceActive). Whether systemd-resolved is
// active is asked of the node itself, through the Host's service manager, at the moment the file is written.
import { KUBELET_CONFIG_FILE, mutateResolverConfig } from '../../kube/index.js';
import { toYaml } from '../../yaml.js';
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

/** Applies kubeadm's on-node mutation (resolvConf) to `config` and writes it to config.yaml. */
export async function writeKubeletConfigToDisk(host: Host, log: Logger, config: Record<string, unknown>, tag: string): Promise<void> {
  const mutated = mutateResolverConfig(config, await systemdResolvedActive(host, log, tag));
  if (mutated.warning) log.warn(mutated.warning, tag);
  log.phase(tag, `Writing kubelet configuration to file "${KUBELET_CONFIG_FILE}"`);
  await host.writeFile(KUBELET_CONFIG_FILE, toYaml(mutated.config));
}
