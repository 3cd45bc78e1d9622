// kubeadm's SystemVerification pre-flight check: the kernel and cgroups validators of
// k8s.io/system-validators (validators/kernel_validator.go, cgroup_validator_linux.go, types_unix.go
// DefaultSysSpec, the spec kubeadm v1.32-v1.34 vendors), read through the Host from <root>/proc, <root>/sys
// and the kernel config files, so a node root in a test is verified like a machine.
// Two differences, both to keep the check free of side effects (a dry run runs it too): when no kernel config
// file exists kubeadm loads the `configs` module and looks again, kgen-boot reports the error; and the
// cgroup v2 freezer is taken from the kernel release (cgroup.freeze exists from Linux 5.2) instead of
// creating a probe cgroup.
import { gunzipSync } from 'node:zlib';
import type { Host } from '../host.js';

export interface CheckResult {
  errors: string[];
  warnings: string[];
}

/** DefaultSysSpec.KernelSpec.Versions: 4.19, any later 4.x, 5.x and newer. */
const KERNEL_VERSIONS = [/^4\.19\..*$/, /^4\.([2-9][0-9])\..*$/, /^([5-9]|[1-9][0-9]+)\.([0-9]+)\.([0-9]+).*$/];
const KERNEL_VERSIONS_NOTE =
  'Recommended LTS version from the 4.x series is 4.19. Any 5.x or 6.x versions are also supported. For cgroups v2 support, the minimal version is 4.15 and the recommended version is 5.8+';

interface KernelConfig {
  name: string;
  aliases?: string[];
}

/** DefaultSysSpec.KernelSpec.Required. */
export const REQUIRED_KERNEL_CONFIG: readonly KernelConfig[] = [
  'NAMESPACES', 'NET_NS', 'PID_NS', 'IPC_NS', 'UTS_NS', 'CGROUPS', 'CGROUP_BPF', 'CGROUP_CPUACCT', 'CGROUP_DEVICE', 'CGROUP_FREEZER',
  'CGROUP_PIDS', 'CGROUP_SCHED', 'CPUSETS', 'MEMCG', 'INET', 'EXT4_FS', 'PROC_FS',
].map((name): KernelConfig => ({ name })).concat([
  { name: 'NETFILTER_XT_TARGET_REDIRECT', aliases: ['IP_NF_TARGET_REDIRECT'] },
  { name: 'NETFILTER_XT_MATCH_COMMENT' },
  { name: 'FAIR_GROUP_SCHED' },
]);

const CGROUPS_V1 = { required: ['cpu', 'cpuacct', 'cpuset', 'devices', 'freezer', 'memory', 'pids'], optional: ['hugetlb', 'blkio'] };
const CGROUPS_V2 = { required: ['cpu', 'cpuset', 'devices', 'freezer', 'memory', 'pids'], optional: ['hugetlb', 'io'] };

const DEFAULT_UNIFIED_MOUNTPOINT = '/sys/fs/cgroup';

/** The places the kernel validator looks for the running kernel's config, in its order. */
export function kernelConfigPaths(release: string): string[] {
  return [
    '/proc/config.gz',
    `/boot/config-${release}`,
    `/usr/src/linux-${release}/.config`,
    '/usr/src/linux/.config',
    `/usr/lib/modules/${release}/config`,
    `/usr/lib/ostree-boot/config-${release}`,
    `/usr/lib/kernel/config-${release}`,
    `/usr/src/linux-headers-${release}/.config`,
    `/lib/modules/${release}/build/.config`,
  ];
}

/** `CONFIG_X=y|m|n` lines into a map (kernel_validator.go parseKernelConfig). */
export function parseKernelConfig(text: string): Map<string, string> {
  const config = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!/^CONFIG_[A-Z0-9_]+=[myn]/.test(line)) continue;
    const [name, value] = line.split('=');
    config.set(name!, value![0]!);
  }
  return config;
}

async function readKernelConfig(host: Host, release: string): Promise<Map<string, string> | string> {
  const paths = kernelConfigPaths(release);
  for (const path of paths) {
    if (!(await host.exists(path))) continue;
    const bytes = await host.readFile(path);
    return parseKernelConfig((path.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8'));
  }
  return `failed to parse kernel config: no config path in [${paths.join(' ')}] is available (kgen-boot does not load the configs module: \`modprobe configs\` provides /proc/config.gz)`;
}

/**
 * The required configs that are unset or `n`. The optional ones (OVERLAY_FS, AUFS_FS, ...) only reach
 * kubeadm's verbose report, never a warning, so they are not checked.
 */
export function validateKernelConfig(config: Map<string, string>): string | undefined {
  const bad = REQUIRED_KERNEL_CONFIG.flatMap((c) => {
    const names = [c.name, ...(c.aliases ?? [])].map((n) => `CONFIG_${n}`);
    const found = names.find((n) => config.has(n));
    return found !== undefined && ['y', 'm'].includes(config.get(found)!) ? [] : [found ?? names[names.length - 1]!];
  });
  return bad.length > 0 ? `unexpected kernel config: ${bad.join(' ')}` : undefined;
}

/** The kernel release (`uname -r`) against DefaultSysSpec's versions. */
export function validateKernelVersion(release: string): string | undefined {
  if (KERNEL_VERSIONS.some((r) => r.test(release))) return undefined;
  return `kernel release ${release} is unsupported. ${KERNEL_VERSIONS_NOTE}`;
}

/** The first cgroup2 mount in /proc/mounts, else the first cgroup v1 mount, else /sys/fs/cgroup. */
export function cgroupMount(mounts: string | undefined): { path: string; v2: boolean | undefined } {
  let v1: string | undefined;
  for (const line of (mounts ?? '').split('\n')) {
    const [, mountPoint, type] = line.trim().split(/\s+/);
    if (type === 'cgroup2') return { path: mountPoint!, v2: true };
    if (type === 'cgroup') v1 ??= mountPoint;
  }
  return v1 ? { path: v1, v2: false } : { path: DEFAULT_UNIFIED_MOUNTPOINT, v2: undefined };
}

/** Kernel releases from 5.2 have cgroup.freeze in every non-root cgroup v2. */
function hasCgroupV2Freezer(release: string): boolean {
  const [major, minor] = release.split('.').map((n) => Number.parseInt(n, 10));
  return major! > 5 || (major === 5 && minor! >= 2);
}

/** cgroup_validator_linux.go Validate: the required and optional controllers of the mounted hierarchy. */
async function validateCgroups(host: Host, release: string): Promise<CheckResult> {
  const mount = cgroupMount(await host.readTextIfExists('/proc/mounts'));
  const controllersFile = `${mount.path}/cgroup.controllers`;
  const controllers = mount.v2 === false ? undefined : await host.readTextIfExists(controllersFile);
  const warnings: string[] = [];
  let subsystems: string[];
  let spec: { required: string[]; optional: string[] };
  if (mount.v2 === true || controllers !== undefined) {
    if (controllers === undefined) return { errors: [`failed to get cgroups v2 subsystems: ${controllersFile} does not exist`], warnings };
    subsystems = ['devices', ...(hasCgroupV2Freezer(release) ? ['freezer'] : []), ...controllers.split(/\s+/).filter(Boolean)];
    spec = CGROUPS_V2;
  } else {
    warnings.push('cgroups v1 support is in maintenance mode, please migrate to cgroups v2');
    const table = await host.readTextIfExists('/proc/cgroups');
    if (table === undefined) return { errors: ['failed to get cgroups v1 subsystems: /proc/cgroups does not exist'], warnings };
    // "#subsys_name hierarchy num_cgroups enabled": a controller counts when enabled is not 0.
    subsystems = table
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.startsWith('#'))
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f.length >= 4 && f[3] !== '0')
      .map((f) => f[0]!);
    spec = CGROUPS_V1;
  }
  const missing = (list: string[]) => list.filter((c) => !subsystems.includes(c));
  const errors = missing(spec.required).length > 0 ? [`missing required cgroups: ${missing(spec.required).join(' ')}`] : [];
  if (missing(spec.optional).length > 0) warnings.push(`missing optional cgroups: ${missing(spec.optional).join(' ')}`);
  return { errors, warnings };
}

/** The kernel validator, then the cgroups validator (kubeadm SystemVerificationCheck on Linux). */
export async function systemVerification(host: Host): Promise<CheckResult> {
  const release = await host.sysctl('kernel.osrelease');
  if (!release) return { errors: ['failed to get kernel release: /proc/sys/kernel/osrelease does not exist'], warnings: [] };
  const errors: string[] = [];
  const version = validateKernelVersion(release);
  if (version) errors.push(version);
  const config = await readKernelConfig(host, release);
  const configError = typeof config === 'string' ? config : validateKernelConfig(config);
  if (configError) errors.push(configError);
  const cgroups = await validateCgroups(host, release);
  return { errors: [...errors, ...cgroups.errors], warnings: cgroups.warnings };
}
