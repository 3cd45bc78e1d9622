// The files kgen's Debian node image carries besides its packages, as data: path, mode, content.
// The recipe writes them into the root file system; the recipe hash covers them, so changing one
// changes the cache key. Nothing here touches the disk.
//
// Upstream sources these mirror:
// - kubelet.service and 10-kubeadm.conf: the kubelet and kubeadm packages built by kubernetes/release
//   (cmd/krel/templates/latest/kubelet/kubelet.service, cmd/krel/templates/latest/kubeadm/10-kubeadm.conf;
//   kubeadm.spec installs the drop-in as %{_unitdir}/kubelet.service.d/10-kubeadm.conf, i.e.
//   /usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf). The krel files were not readable from the
//   build sandbox: the drop-in text is the one kubernetes/website quotes (content/en/docs/setup/
//   production-environment/tools/kubeadm/kubelet-integration.md), checked against copies that fetch the
//   krel template; the unit is kubernetes/release's packages/deb/bionic/kubelet/lib/systemd/system/
//   kubelet.service verbatim (the kubepkg template cmd/kubepkg/templates/latest/deb/kubelet/... is the
//   same plus a ConditionPathExists line, which krel dropped).
// - modules-load.d/k8s.conf and sysctl.d/k8s.conf: kubernetes/website
//   content/en/docs/setup/production-environment/container-runtimes.md ("Forwarding IPv4 and letting
//   iptables see bridged traffic").
// - cloud-init datasource_list: cloud-init docs, reference/datasources/nocloud and base_config_reference.

export interface ImageFile {
  /** Absolute path inside the image. */
  path: string;
  /** Octal permission bits, e.g. 0o644. */
  mode: number;
  content: string;
}

/** Where kubeadm's kubelet package puts the unit (Debian: /lib is /usr/lib on merged-usr bookworm). */
export const KUBELET_UNIT_PATH = '/usr/lib/systemd/system/kubelet.service';
export const KUBEADM_DROPIN_PATH = '/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf';
export const KUBELET_BINARY_PATH = '/usr/bin/kubelet';
/** Default ClusterSpec.boot.path: where a baked kgen-boot lives. */
export const BAKED_BOOT_PATH = '/usr/local/bin/kgen-boot';
/** File-system label of the root partition; the boot loader and PXE entries use root=LABEL=<this>. */
export const ROOT_LABEL = 'kgen-root';
/** FAT label of the boot partition holding syslinux, the kernel and the initrd. */
export const BOOT_LABEL = 'KGEN-BOOT';
/** Kernel command line of the disk boot (PXE entries carry their own, see docs/images.md). */
export const KERNEL_CMDLINE = `root=LABEL=${ROOT_LABEL} ro console=tty0 console=ttyS0,115200n8`;
/** The image's own record of what it is (read by tests and operators). */
export const IMAGE_INFO_PATH = '/etc/kgen/image.json';

/** kubernetes/release's kubelet.service (see the header for how the text was checked). */
export const KUBELET_SERVICE = `[Unit]
Description=kubelet: The Kubernetes Node Agent
Documentation=https://kubernetes.io/docs/home/
Wants=network-online.target
After=network-online.target

[Service]
ExecStart=/usr/bin/kubelet
Restart=always
StartLimitInterval=0
RestartSec=10

[Install]
WantedBy=multi-user.target
`;

/** kubernetes/release cmd/krel/templates/latest/kubeadm/10-kubeadm.conf. */
export const KUBEADM_DROPIN = `# Note: This dropin only works with kubeadm and kubelet v1.11+
[Service]
Environment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf"
Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"
# This is a file that "kubeadm init" and "kubeadm join" generates at runtime, populating the KUBELET_KUBEADM_ARGS variable dynamically
EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env
# This is a file that the user can use for overrides of the kubelet args as a last resort. Preferably, the user should use
# the .NodeRegistration.KubeletExtraArgs object in the configuration files instead. KUBELET_EXTRA_ARGS should be sourced from this file.
EnvironmentFile=-/etc/default/kubelet
ExecStart=
ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS
`;

const MODULES_LOAD = `# Kubernetes node: overlay for containerd's snapshotter, br_netfilter so iptables sees bridged traffic.
overlay
br_netfilter
`;

const SYSCTL = `# Kubernetes node: let iptables see bridged traffic and forward IPv4 (kgen image).
net.bridge.bridge-nf-call-iptables  = 1
net.bridge.bridge-nf-call-ip6tables = 1
net.ipv4.ip_forward                 = 1
`;

/**
 * cloud-init: look only for a NoCloud seed (cidata volume, or ds=nocloud;s=<url> on the kernel command
 * line for PXE), fall back to None. Network config is rendered for systemd-networkd (no ifupdown).
 */
const CLOUD_CFG = `# kgen node image: NoCloud seed only (ISO labelled cidata, or ds=nocloud;s=URL on the command line).
datasource_list: [ NoCloud, None ]
system_info:
  network:
    renderers: [ networkd ]
# The image has no locales package and no SSH server: skip the modules that would only fail on that.
locale: false
ssh_genkeytypes: []
`;

const FSTAB = `# kgen node image: one root file system, no swap (the kubelet requires swap off).
LABEL=${ROOT_LABEL} / ext4 defaults,errors=remount-ro 0 1
`;

/** The files every kgen Debian image carries. */
export function baseFiles(): ImageFile[] {
  return [
    { path: KUBELET_UNIT_PATH, mode: 0o644, content: KUBELET_SERVICE },
    { path: KUBEADM_DROPIN_PATH, mode: 0o644, content: KUBEADM_DROPIN },
    { path: '/etc/modules-load.d/k8s.conf', mode: 0o644, content: MODULES_LOAD },
    { path: '/etc/sysctl.d/k8s.conf', mode: 0o644, content: SYSCTL },
    { path: '/etc/cloud/cloud.cfg.d/90_kgen.cfg', mode: 0o644, content: CLOUD_CFG },
    { path: '/etc/fstab', mode: 0o644, content: FSTAB },
    { path: '/etc/hostname', mode: 0o644, content: 'localhost\n' },
  ];
}

/** syslinux.cfg for the boot partition: one entry, no prompt. */
export function syslinuxConfig(cmdline: string = KERNEL_CMDLINE): string {
  return ['DEFAULT kgen', 'PROMPT 0', 'TIMEOUT 0', 'LABEL kgen', '  LINUX /vmlinuz', '  INITRD /initrd.img', `  APPEND ${cmdline}`, ''].join('\n');
}

/**
 * Turns containerd's own `containerd config default` output into kgen's: the runc runtime uses the
 * systemd cgroup driver, as the kubelet does (kubernetes/website container-runtimes.md, "Configuring the
 * systemd cgroup driver"). Fails when the key is not there exactly once, rather than writing a config
 * that silently keeps cgroupfs.
 */
export function containerdConfig(defaultConfig: string): string {
  const re = /^(\s*)SystemdCgroup = false$/gm;
  const hits = defaultConfig.match(re) ?? [];
  if (hits.length !== 1) {
    throw new Error(
      `containerd config default has ${hits.length} "SystemdCgroup = false" lines, expected 1; ` +
        'the containerd package changed its default config: update images/debian/files.ts',
    );
  }
  return defaultConfig.replace(re, '$1SystemdCgroup = true');
}
