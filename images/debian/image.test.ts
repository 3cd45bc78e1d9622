// Unit tests for the pure parts of the image recipe: baked files, containerd config edit, disk layout,
// recipe hash. (The recipe itself is exercised by test/boot/, which builds and boots the image.)
import { describe, expect, it } from 'vitest';
import { diskLayout, sfdiskScript } from './disk.js';
import { KUBEADM_DROPIN, KUBEADM_DROPIN_PATH, KUBELET_SERVICE, KUBELET_UNIT_PATH, baseFiles, containerdConfig, syslinuxConfig } from './files.js';
import { PACKAGES, debootstrapArgs } from './packages.js';
import { recipeHash } from './recipe.js';

const MIB = 1024 * 1024;

describe('baked files', () => {
  it('installs the kubelet unit and kubeadm drop-in where the upstream packages put them', () => {
    const files = new Map(baseFiles().map((f) => [f.path, f]));
    expect(files.get(KUBELET_UNIT_PATH)?.content).toBe(KUBELET_SERVICE);
    expect(KUBEADM_DROPIN_PATH).toBe('/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf');
    expect(files.get(KUBEADM_DROPIN_PATH)?.content).toBe(KUBEADM_DROPIN);
  });

  it.each([
    ['bootstrap and final kubeconfig', 'Environment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf"'],
    ['kubelet config file', 'Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"'],
    ['kubeadm flags', 'EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env'],
    ['user overrides', 'EnvironmentFile=-/etc/default/kubelet'],
    ['ExecStart reset', 'ExecStart=\n'],
    ['ExecStart', 'ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS'],
  ])('10-kubeadm.conf carries the %s line', (_name, line) => {
    expect(KUBEADM_DROPIN).toContain(line);
  });

  it.each([
    ['/etc/modules-load.d/k8s.conf', /^overlay$/m],
    ['/etc/modules-load.d/k8s.conf', /^br_netfilter$/m],
    ['/etc/sysctl.d/k8s.conf', /^net\.ipv4\.ip_forward\s*=\s*1$/m],
    ['/etc/sysctl.d/k8s.conf', /^net\.bridge\.bridge-nf-call-iptables\s*=\s*1$/m],
    ['/etc/sysctl.d/k8s.conf', /^net\.bridge\.bridge-nf-call-ip6tables\s*=\s*1$/m],
    ['/etc/cloud/cloud.cfg.d/90_kgen.cfg', /^datasource_list: \[ NoCloud, None \]$/m],
    ['/etc/fstab', /^LABEL=kgen-root \/ ext4 /m],
  ])('%s matches %s', (path, re) => {
    expect(baseFiles().find((f) => f.path === path)?.content).toMatch(re);
  });

  it('has no swap entry in fstab', () => {
    expect(baseFiles().find((f) => f.path === '/etc/fstab')?.content).not.toMatch(/^[^#].*\sswap\s/m);
  });

  it('boots the disk with root=LABEL=kgen-root and the serial console', () => {
    expect(syslinuxConfig()).toContain('APPEND root=LABEL=kgen-root ro console=tty0 console=ttyS0,115200n8');
  });
});

describe('containerdConfig', () => {
  const sample = '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n            SystemdCgroup = false\n';

  it('switches runc to the systemd cgroup driver, keeping indentation', () => {
    expect(containerdConfig(sample)).toBe(sample.replace('false', 'true'));
  });

  it.each([
    ['missing', 'version = 2\n'],
    ['twice', sample + sample],
  ])('fails when the key is %s', (_name, text) => {
    expect(() => containerdConfig(text)).toThrow(/SystemdCgroup = false/);
  });
});

describe('disk layout', () => {
  it('aligns both partitions to 1 MiB and starts the first at 1 MiB', () => {
    const l = diskLayout(100 * MIB + 3, 900 * MIB + 1);
    expect(l).toEqual({ bootStart: MIB, bootSize: 101 * MIB, rootStart: 102 * MIB, rootSize: 901 * MIB, total: 1003 * MIB });
  });

  it('writes an sfdisk script with an active FAT partition and a Linux partition', () => {
    expect(sfdiskScript(diskLayout(64 * MIB, 512 * MIB))).toBe(
      ['label: dos', 'start=2048, size=131072, type=c, bootable', 'start=133120, size=1048576, type=83', ''].join('\n'),
    );
  });
});

describe('packages', () => {
  it('asks debootstrap for minbase plus exactly the listed packages', () => {
    const args = debootstrapArgs('/r', 'http://m/debian', '/c');
    expect(args).toContain('--variant=minbase');
    expect(args).toContain(`--include=${PACKAGES.map(([n]) => n).join(',')}`);
    expect(args.slice(-3)).toEqual(['bookworm', '/r', 'http://m/debian']);
  });
});

describe('recipeHash', () => {
  it('is stable and changes with the inputs', async () => {
    const a = await recipeHash({});
    expect(await recipeHash({})).toBe(a);
    expect(await recipeHash({ mirror: 'http://other/debian' })).not.toBe(a);
    expect(await recipeHash({ extraFiles: [{ path: '/x', mode: 0o644, content: 'x' }] })).not.toBe(a);
  });

  it('keeps a stock image (no Node, no kgen-boot) apart from the default one', async () => {
    expect(await recipeHash({ stock: true })).not.toBe(await recipeHash({}));
    expect(await recipeHash({ stock: false })).toBe(await recipeHash({}));
    expect(await recipeHash({ stock: true })).toBe(await recipeHash({ stock: true }));
  });
});
