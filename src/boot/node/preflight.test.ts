// kubeadm's FileAvailable, DirAvailable, SystemVerification and Hostname checks on node roots: each case
// changes one thing in a root that passes every check and runs `kgen-boot phase preflight` as a user does.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { NodeBootConfig } from '../../contract/config.js';
import { main } from '../cli.js';
import { configFor } from '../test-fixtures.js';
import { TEST_KERNEL_RELEASE, testKernelConfig } from '../test-kernel.js';
import { captureIO, realInitConfig, testNode } from '../test-node.js';
import { cgroupMount, parseKernelConfig, validateKernelVersion } from './system-verification.js';

// Other tests on this machine may hold these ports on 127.0.0.1; the checks still run and warn.
const PORTS = ['Port-6443', 'Port-10259', 'Port-10257', 'Port-2379', 'Port-2380', 'Port-10250'];

let init: NodeBootConfig;
beforeAll(async () => {
  init = await realInitConfig((c) => (c.cluster.ignorePreflightErrors = PORTS));
});

const worker = (): NodeBootConfig => {
  const c = configFor('worker');
  c.cluster.ignorePreflightErrors = PORTS;
  return c;
};

/** Writes `content` at `path` under the root (a directory when content is undefined). */
function put(root: string, path: string, content?: string): void {
  const real = join(root, path);
  if (content === undefined) return void mkdirSync(real, { recursive: true });
  mkdirSync(join(real, '..'), { recursive: true });
  writeFileSync(real, content);
}

async function preflight(config: NodeBootConfig, change: (root: string) => void, lookupHost?: (name: string) => Promise<string[]>) {
  const node = testNode(config, { lookupHost });
  change(node.root);
  const c = captureIO();
  const code = await main(['phase', 'preflight', '--root', node.root], c.io, node.deps);
  return { code, out: c.out(), err: c.err() };
}

const V1_MOUNTS = ['cgroup /sys/fs/cgroup/cpu cgroup rw,cpu 0 0', 'cgroup /sys/fs/cgroup/memory cgroup rw,memory 0 0', ''].join('\n');
const V1_TABLE = ['#subsys_name\thierarchy\tnum_cgroups\tenabled', 'cpuset\t3\t1\t1', 'cpu\t2\t1\t1', 'cpuacct\t2\t1\t1', 'memory\t4\t1\t1', 'devices\t5\t1\t1', 'freezer\t6\t1\t1', 'pids\t7\t1\t0', ''].join('\n');

describe('preflight fails as kubeadm does', () => {
  it.each<[string, () => NodeBootConfig, (root: string) => void, string]>([
    ['init: a manifest already there', () => init, (r) => put(r, 'etc/kubernetes/manifests/kube-apiserver.yaml', 'x'), '[ERROR FileAvailable--etc-kubernetes-manifests-kube-apiserver.yaml]: /etc/kubernetes/manifests/kube-apiserver.yaml already exists'],
    ['init: etcd\'s manifest already there', () => init, (r) => put(r, 'etc/kubernetes/manifests/etcd.yaml', 'x'), '[ERROR FileAvailable--etc-kubernetes-manifests-etcd.yaml]: /etc/kubernetes/manifests/etcd.yaml already exists'],
    ['init: an etcd data directory with a member', () => init, (r) => put(r, 'var/lib/etcd/member'), '[ERROR DirAvailable--var-lib-etcd]: /var/lib/etcd is not empty'],
    ['worker: a kubelet.conf already there', worker, (r) => put(r, 'etc/kubernetes/kubelet.conf', 'x'), '[ERROR FileAvailable--etc-kubernetes-kubelet.conf]: /etc/kubernetes/kubelet.conf already exists'],
    ['worker: a bootstrap-kubelet.conf already there', worker, (r) => put(r, 'etc/kubernetes/bootstrap-kubelet.conf', 'x'), '[ERROR FileAvailable--etc-kubernetes-bootstrap-kubelet.conf]: /etc/kubernetes/bootstrap-kubelet.conf already exists'],
    ['worker: a cluster CA already there', worker, (r) => put(r, 'etc/kubernetes/pki/ca.crt', 'x'), '[ERROR FileAvailable--etc-kubernetes-pki-ca.crt]: /etc/kubernetes/pki/ca.crt already exists'],
    [
      'a 4.18 kernel',
      () => init,
      (r) => {
        put(r, 'proc/sys/kernel/osrelease', '4.18.0-553.el8_10.x86_64\n');
        put(r, 'boot/config-4.18.0-553.el8_10.x86_64', testKernelConfig());
      },
      '[ERROR SystemVerification]: kernel release 4.18.0-553.el8_10.x86_64 is unsupported. Recommended LTS version from the 4.x series is 4.19. Any 5.x or 6.x versions are also supported. For cgroups v2 support, the minimal version is 4.15 and the recommended version is 5.8+',
    ],
    ['a kernel without CGROUP_BPF and with MEMCG=n', () => init, (r) => put(r, `boot/config-${TEST_KERNEL_RELEASE}`, `${testKernelConfig(['CGROUP_BPF', 'MEMCG'])}CONFIG_MEMCG=n\n`), '[ERROR SystemVerification]: unexpected kernel config: CONFIG_CGROUP_BPF CONFIG_MEMCG'],
    ['no kernel config anywhere', worker, (r) => rmSync(join(r, 'boot'), { recursive: true }), `[ERROR SystemVerification]: failed to parse kernel config: no config path in [/proc/config.gz /boot/config-${TEST_KERNEL_RELEASE} `],
    ['cgroup v2 without the memory controller', worker, (r) => put(r, 'sys/fs/cgroup/cgroup.controllers', 'cpuset cpu io pids\n'), '[ERROR SystemVerification]: missing required cgroups: memory'],
    [
      'cgroup v1 with pids disabled',
      worker,
      (r) => {
        put(r, 'proc/mounts', V1_MOUNTS);
        put(r, 'proc/cgroups', V1_TABLE);
      },
      '[ERROR SystemVerification]: missing required cgroups: pids',
    ],
  ])('%s', async (_name, config, change, message) => {
    const r = await preflight(config(), change);
    expect(r.code, r.out).toBe(3);
    expect(r.err).toContain(message);
  });
});

describe('preflight passes as kubeadm does', () => {
  it('an empty etcd data directory is available; a gzipped /proc/config.gz is read first', async () => {
    const { gzipSync } = await import('node:zlib');
    const r = await preflight(init, (root) => {
      put(root, 'var/lib/etcd');
      rmSync(join(root, 'boot'), { recursive: true });
      writeFileSync(join(root, 'proc/config.gz'), gzipSync(testKernelConfig()));
    });
    expect(r.code, r.err).toBe(0);
  });

  it('cgroup v1 is a warning, and a missing optional cgroup too', async () => {
    const r = await preflight(worker(), (root) => {
      put(root, 'proc/mounts', V1_MOUNTS);
      put(root, 'proc/cgroups', V1_TABLE.replace('pids\t7\t1\t0', 'pids\t7\t1\t1'));
    });
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('\t[WARNING SystemVerification]: cgroups v1 support is in maintenance mode, please migrate to cgroups v2');
    expect(r.out).toContain('\t[WARNING SystemVerification]: missing optional cgroups: hugetlb blkio');
  });

  it('a node name that does not resolve is a Hostname warning, never an error', async () => {
    const r = await preflight(worker(), () => undefined, async (name) => {
      throw new Error(`getaddrinfo ENOTFOUND ${name}`);
    });
    expect(r.code, r.err).toBe(0);
    const name = worker().node.name;
    expect(r.out).toContain(`\t[WARNING Hostname]: hostname "${name}" could not be reached`);
    expect(r.out).toContain(`\t[WARNING Hostname]: hostname "${name}": lookup ${name}: getaddrinfo ENOTFOUND ${name}`);
  });

  it('ignorePreflightErrors names a FileAvailable check as kubeadm prints it (any case), turning it into a warning', async () => {
    const config = worker();
    config.cluster.ignorePreflightErrors = [...PORTS, 'fileavailable--etc-kubernetes-kubelet.conf'];
    const r = await preflight(config, (root) => put(root, 'etc/kubernetes/kubelet.conf', 'x'));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('\t[WARNING FileAvailable--etc-kubernetes-kubelet.conf]: /etc/kubernetes/kubelet.conf already exists');
  });
});

describe('system verification parts', () => {
  it.each([
    ['4.19.0-27-amd64', true],
    ['4.20.1', true],
    ['5.10.0-30-cloud-amd64', true],
    ['6.18.44-fc-v1272', true],
    ['10.0.0', true],
    ['4.18.0-553.el8_10.x86_64', false],
    ['3.10.0-693.el7.x86_64', false],
  ])('kernel release %s supported: %s', (release, supported) => {
    expect(validateKernelVersion(release) === undefined).toBe(supported);
  });

  it('finds the cgroup hierarchy as the validator does: the first cgroup2 mount wins over earlier v1 mounts', () => {
    const hybrid = 'tmpfs /sys/fs/cgroup tmpfs rw 0 0\ncgroup /sys/fs/cgroup/cpu cgroup rw,cpu 0 0\ncgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0\n';
    expect(cgroupMount(hybrid)).toEqual({ path: '/sys/fs/cgroup/unified', v2: true });
    expect(cgroupMount(V1_MOUNTS)).toEqual({ path: '/sys/fs/cgroup/cpu', v2: false });
    expect(cgroupMount(undefined)).toEqual({ path: '/sys/fs/cgroup', v2: undefined });
  });

  it('reads y, m and n options and ignores comments', () => {
    const config = parseKernelConfig('# CONFIG_AUFS_FS is not set\nCONFIG_NAMESPACES=y\n CONFIG_IP_NF_TARGET_REDIRECT=m\nCONFIG_MEMCG=n\nCONFIG_HZ=250\n');
    expect([...config]).toEqual([
      ['CONFIG_NAMESPACES', 'y'],
      ['CONFIG_IP_NF_TARGET_REDIRECT', 'm'],
      ['CONFIG_MEMCG', 'n'],
    ]);
  });
});
