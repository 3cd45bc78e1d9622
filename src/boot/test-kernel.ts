// Test support: the kernel files SystemVerification reads (src/boot/node/system-verification.ts), written
// under a node root as a supported machine has them: a 6.x release, a kernel config with every required
// option, and a cgroup v2 hierarchy with kubeadm's controllers. Shared by src/boot's test nodes and the
// cluster harness's node image (test/cluster/node-image.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REQUIRED_KERNEL_CONFIG } from './node/system-verification.js';

export const TEST_KERNEL_RELEASE = '6.1.0-test-amd64';

/** A kernel config as /boot/config-<release> holds it: comments, `=y`, `=m`, and unset options. */
export function testKernelConfig(omit: readonly string[] = []): string {
  const lines = ['#', '# Automatically generated file; DO NOT EDIT.', '#', '# CONFIG_AUFS_FS is not set'];
  for (const { name } of REQUIRED_KERNEL_CONFIG.filter((c) => !omit.includes(c.name))) lines.push(`CONFIG_${name}=${name.startsWith('NETFILTER') ? 'm' : 'y'}`);
  return `${lines.join('\n')}\n`;
}

export function writeTestKernel(root: string): void {
  mkdirSync(join(root, 'proc/sys/kernel'), { recursive: true });
  writeFileSync(join(root, 'proc/sys/kernel/osrelease'), `${TEST_KERNEL_RELEASE}\n`);
  writeFileSync(join(root, 'proc/mounts'), 'cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime,nsdelegate 0 0\n');
  mkdirSync(join(root, 'boot'), { recursive: true });
  writeFileSync(join(root, `boot/config-${TEST_KERNEL_RELEASE}`), testKernelConfig());
  mkdirSync(join(root, 'sys/fs/cgroup'), { recursive: true });
  writeFileSync(join(root, 'sys/fs/cgroup/cgroup.controllers'), 'cpuset cpu io memory hugetlb pids rdma misc\n');
}
