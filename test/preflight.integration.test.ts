// Preflight with this machine as the node: the built kgen-boot runs `phase preflight --dry-run --root /`
// (a dry run keeps the status record and the log off the machine) and its SystemVerification and Hostname
// findings are compared with what the system's own tools report: uname, zcat/grep over the kernel config,
// findmnt for the cgroup hierarchy, getent for name resolution.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REQUIRED_KERNEL_CONFIG, kernelConfigPaths } from '../src/boot/node/system-verification.js';
import { realInitConfig } from '../src/boot/test-node.js';
import { toYaml } from '../src/yaml.js';
import { KGEN_BOOT, runNode, tempDir } from './helpers.js';

const uname = execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim();

/** The `\t[LEVEL name]: message` lines kgen-boot printed for one check. */
function findings(output: string, level: 'ERROR' | 'WARNING', check: string): string[] {
  const prefix = `[${level} ${check}]: `;
  return output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith(prefix))
    .map((l) => l.slice(prefix.length));
}

async function preflightHere(nodeName: string) {
  const config = await realInitConfig((c) => (c.node.name = nodeName));
  const file = join(tempDir('kgen-preflight-'), 'node.yaml');
  writeFileSync(file, toYaml(config), { mode: 0o600 });
  const r = runNode(KGEN_BOOT, ['phase', 'preflight', '--dry-run', '--root', '/', '--config', file]);
  return { ...r, all: r.stdout + r.stderr };
}

/** The kernel config the validator reads, through zcat or cat: the first of its paths that exists. */
function kernelConfigText(): string | undefined {
  const path = kernelConfigPaths(uname).find((p) => existsSync(p));
  if (!path) return undefined;
  return path.endsWith('.gz') ? execFileSync('zcat', [path], { encoding: 'utf8', maxBuffer: 64 << 20 }) : readFileSync(path, 'utf8');
}

describe('preflight on this machine', () => {
  let here: Awaited<ReturnType<typeof preflightHere>>;
  beforeAll(async () => {
    here = await preflightHere(execFileSync('hostname', { encoding: 'utf8' }).trim());
  }, 120_000);

  it('SystemVerification reports what uname, the kernel config and findmnt say', () => {
    const expected: string[] = [];
    const [major, minor] = uname.split('.').map(Number);
    if (!(major! > 4 || (major === 4 && minor! >= 19))) expected.push(`kernel release ${uname} is unsupported.`);
    const config = kernelConfigText();
    if (config === undefined) expected.push('failed to parse kernel config: no config path in');
    else {
      const missing = REQUIRED_KERNEL_CONFIG.filter((c) => ![c.name, ...(c.aliases ?? [])].some((n) => new RegExp(`^CONFIG_${n}=[ym]`, 'm').test(config)));
      if (missing.length > 0) expected.push(`unexpected kernel config: ${missing.map((c) => `CONFIG_${(c.aliases ?? [c.name]).at(-1)}`).join(' ')}`);
    }
    const v2 = spawnSync('findmnt', ['-rn', '-t', 'cgroup2', '-o', 'TARGET'], { encoding: 'utf8' }).stdout.split('\n')[0];
    if (v2) {
      const controllers = readFileSync(join(v2, 'cgroup.controllers'), 'utf8').split(/\s+/);
      const implicit = ['devices', ...(major! > 5 || (major === 5 && minor! >= 2) ? ['freezer'] : [])];
      const missing = ['cpu', 'cpuset', 'devices', 'freezer', 'memory', 'pids'].filter((c) => !controllers.includes(c) && !implicit.includes(c));
      if (missing.length > 0) expected.push(`missing required cgroups: ${missing.join(' ')}`);
    }
    const errors = findings(here.all, 'ERROR', 'SystemVerification');
    expect(errors.length, here.all).toBe(expected.length);
    expected.forEach((e, i) => expect(errors[i]).toContain(e));
    if (!v2) expect(findings(here.all, 'WARNING', 'SystemVerification')).toContain('cgroups v1 support is in maintenance mode, please migrate to cgroups v2');
  });

  it('Hostname warns exactly when getent cannot resolve the node name', async () => {
    const name = execFileSync('hostname', { encoding: 'utf8' }).trim();
    const resolves = spawnSync('getent', ['hosts', name]).status === 0;
    expect(findings(here.all, 'WARNING', 'Hostname').length > 0).toBe(!resolves);
    const unknown = await preflightHere('kgen-no-such-node.invalid');
    expect(spawnSync('getent', ['hosts', 'kgen-no-such-node.invalid']).status).not.toBe(0);
    expect(findings(unknown.all, 'WARNING', 'Hostname')).toContain('hostname "kgen-no-such-node.invalid" could not be reached');
    expect(findings(unknown.all, 'ERROR', 'Hostname')).toEqual([]);
  }, 120_000);
});
