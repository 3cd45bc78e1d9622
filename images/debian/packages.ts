// What the Debian node image is made of: the suite, the mirror, and the packages debootstrap installs
// (--variant=minbase: Essential + apt, plus exactly these; debootstrap never installs Recommends).
// Every package is from Debian main; the kubelet is not packaged by Debian and comes in through
// `--kubelet PATH` (see recipe.ts).
//
// Node.js is deliberately not Debian's nodejs (18.20, which cannot run the extensionless ES module
// kgen-boot): the recipe bakes Node 20 from the npm registry instead, see node.ts.

export const SUITE = 'bookworm';
export const DEFAULT_MIRROR = 'http://deb.debian.org/debian';

/** Packages on top of minbase, each with the reason it is there. */
export const PACKAGES: ReadonlyArray<readonly [name: string, why: string]> = [
  ['linux-image-amd64', 'kernel + initramfs-tools'],
  ['systemd', 'init, networkd (cloud-init renders network config for it)'],
  ['systemd-sysv', '/sbin/init'],
  ['systemd-resolved', 'DNS for networkd-managed links'],
  // Again a virtual dependency debootstrap cannot resolve: systemd-resolved needs dbus-system-bus.
  ['dbus', 'system bus (provides dbus-system-bus for systemd-resolved; hostnamectl)'],
  ['udev', 'device nodes, /dev/disk/by-label for the cidata seed'],
  ['kmod', 'modprobe, modules-load.d'],
  ['cloud-init', 'reads the NoCloud seed, writes /etc/kgen/node.yaml, starts kgen-boot'],
  // debootstrap's resolver ignores virtual packages: python3-cryptography (a cloud-init dependency)
  // needs python3-cffi-backend-api-min/max, which only this package provides.
  ['python3-cffi-backend', 'provides python3-cffi-backend-api-* for python3-cryptography'],
  ['containerd', 'container runtime (CRI)'],
  ['runc', 'OCI runtime used by containerd'],
  ['conntrack', 'kubelet / kube-proxy requirement (kubeadm preflight)'],
  ['socat', 'kubectl port-forward (kubeadm preflight)'],
  ['iptables', 'kube-proxy, CNI plugins (kubeadm preflight)'],
  ['ethtool', 'kubeadm preflight'],
  ['iproute2', 'ip, ss (kubeadm preflight)'],
  ['ca-certificates', 'TLS to registries and to a kgen-boot download URL'],
];

export function debootstrapArgs(rootfs: string, mirror: string, cacheDir: string): string[] {
  return [
    '--variant=minbase',
    '--components=main',
    `--include=${PACKAGES.map(([name]) => name).join(',')}`,
    `--cache-dir=${cacheDir}`,
    SUITE,
    rootfs,
    mirror,
  ];
}
