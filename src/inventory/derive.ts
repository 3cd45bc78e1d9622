// Defaults that depend on other fields, applied after the schema walk, as kubeadm applies its dynamic
// defaults (upstream: cmd/kubeadm/app/util/config/initconfiguration.go SetInitDynamicDefaults,
// cmd/kubeadm/app/componentconfigs/kubelet.go Default):
// - the init node is the one that says init: true, else the first control-plane node not saying init: false;
// - control-plane nodes are tainted node-role.kubernetes.io/control-plane:NoSchedule unless taints is written;
// - controlPlaneEndpoint is the init node's address:6443 when there is a single control-plane node;
// - kubelet clusterDNS is the 10th address of the service subnet, clusterDomain the cluster's dnsDomain;
// - pxe.imageBaseURL is <seedBaseURL>/images;
// - boot.path is /usr/local/bin/kgen-boot (an executable, delivery url and baked), or kgen-boot.mjs beside it
//   for delivery embed (the JavaScript module: Node runs an extensionless file as CommonJS).
import type { Draft } from './draft.js';
import { formatIP, indexedIP, parseCIDR } from '../net.js';
import type { Path } from './path.js';
import type { Taint } from './types.js';

/** kubeadm's control-plane taint (constants.ControlPlaneTaint). */
export const CONTROL_PLANE_TAINT: Taint = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };

/** kubeadm puts the cluster DNS Service at this index of the service subnet (constants.GetDNSIP). */
export const DNS_IP_INDEX = 10;

/** Where the boot program lives on the node by default: the executable, or the module for delivery embed. */
export const BOOT_EXECUTABLE_PATH = '/usr/local/bin/kgen-boot';
export const BOOT_MODULE_PATH = '/usr/local/bin/kgen-boot.mjs';

export function applyDerivedDefaults(d: Draft, written: (path: Path) => boolean): void {
  const nodes = d.nodes ?? [];
  const controlPlanes = nodes.filter((n) => n?.role === 'control-plane');
  const init = nodes.find((n) => n?.init === true) ?? controlPlanes.find((n) => n?.init !== false);
  for (const [i, n] of nodes.entries()) {
    if (!n) continue;
    n.init = n === init;
    if (n.taints === undefined && !written(['nodes', i, 'taints'])) {
      n.taints = n.role === 'control-plane' ? [{ ...CONTROL_PLANE_TAINT }] : [];
    }
  }

  const c = d.cluster;
  if (!c) return;
  if (!written(['cluster', 'controlPlaneEndpoint']) && controlPlanes.length <= 1 && init?.address) {
    c.controlPlaneEndpoint = { host: init.address, port: 6443 };
  }
  const serviceSubnet = c.networking?.serviceSubnet;
  if (c.kubelet && serviceSubnet && !written(['cluster', 'kubelet', 'clusterDNS'])) {
    const dnsIP = indexedIP(parseCIDR(serviceSubnet)!, DNS_IP_INDEX);
    if (dnsIP) c.kubelet.clusterDNS = [formatIP(dnsIP)];
  }
  if (c.kubelet && c.networking?.dnsDomain && !written(['cluster', 'kubelet', 'clusterDomain'])) {
    c.kubelet.clusterDomain = c.networking.dnsDomain;
  }
  if (c.pxe?.seedBaseURL && !written(['cluster', 'pxe', 'imageBaseURL'])) {
    c.pxe.imageBaseURL = `${c.pxe.seedBaseURL.replace(/\/+$/, '')}/images`;
  }
  if (c.boot && !written(['cluster', 'boot', 'path'])) {
    c.boot.path = c.boot.delivery === 'embed' ? BOOT_MODULE_PATH : BOOT_EXECUTABLE_PATH;
  }
}
