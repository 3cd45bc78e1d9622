// The self-contained kgen-boot executables (`npm run build:sea`, scripts/build-sea.mjs) behave exactly as
// build/kgen-boot.mjs does: same output and exit codes for --version, --help, check-config on rendered node
// configs, bad input and `run`. The amd64 executable runs here; the arm64 one under qemu-user with Debian's
// arm64 runtime libraries (qemu-user, libc6-arm64-cross, libstdc++6-arm64-cross). Also: the sha256 file
// covers each file, and a second build from the same inputs gives the same bytes.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { NODE_VERSION } from '../../scripts/node-dist.mjs';
import { KGEN_BOOT, REPO, kgen, runNode, sh, tempDir, type Run } from '../helpers.js';
import { dryRunShape } from './dry-run-shape.js';

const BUILD = join(REPO, 'build');
const EXECUTABLES = { amd64: join(BUILD, 'kgen-boot-linux-amd64'), arm64: join(BUILD, 'kgen-boot-linux-arm64') };
const ARM64_LIBS = '/usr/aarch64-linux-gnu';
/** One node per role: init, joining control plane, worker. */
const NODES = ['cp-1', 'cp-2', 'worker-1'];

function runExecutable(arch: 'amd64' | 'arm64', args: string[]): Run {
  const [cmd, argv] = arch === 'amd64' ? [EXECUTABLES.amd64, args] : ['qemu-aarch64', ['-L', ARM64_LIBS, EXECUTABLES.arm64, ...args]];
  const r = spawnSync(cmd, argv, { cwd: REPO, encoding: 'utf8' });
  if (r.error) throw new Error(`could not run ${cmd} (install qemu-user, libc6-arm64-cross and libstdc++6-arm64-cross for arm64)`, { cause: r.error });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The --version lines that name the running file and runtime, which differ by design. */
function withProgram(versionText: string, sha256: string, node: string): string {
  return versionText.replace(/(bundle sha256: )\S+/, `$1${sha256}`).replace(/(node: )\S+/, `$1${node}`);
}

/** A root directory holding `node`'s rendered node.yaml as /etc/kgen/node.yaml. */
function nodeRoot(dist: string, node: string): string {
  const root = tempDir('kgen-sea-root-');
  mkdirSync(join(root, 'etc/kgen'), { recursive: true });
  cpSync(join(dist, 'nodes', node, 'node.yaml'), join(root, 'etc/kgen/node.yaml'));
  return root;
}

describe('kgen-boot executables', () => {
  let dist: string;
  let sums: Map<string, string>;

  beforeAll(() => {
    const work = tempDir('kgen-sea-');
    cpSync(join(REPO, 'examples'), join(work, 'examples'), { recursive: true });
    const rendered = kgen(['render', '--nodes', 'examples/nodes.yaml', '--out', 'dist'], { cwd: work });
    expect(rendered.code, rendered.stderr).toBe(0);
    dist = join(work, 'dist');
    const lines = readFileSync(join(BUILD, 'kgen-boot.sha256'), 'utf8').trimEnd().split('\n');
    sums = new Map(lines.map((line) => line.split(/ {2}/).reverse() as [string, string]));
  });

  it('kgen-boot.sha256 covers each executable, in sha256sum format', () => {
    expect([...sums.keys()]).toEqual(['kgen-boot-linux-amd64', 'kgen-boot-linux-arm64']);
    expect(execFileSync('sha256sum', ['--check', 'kgen-boot.sha256'], { cwd: BUILD, encoding: 'utf8' })).toBe('kgen-boot-linux-amd64: OK\nkgen-boot-linux-arm64: OK\n');
  });

  it('each is an executable for its architecture', () => {
    expect(sh('file', ['-b', EXECUTABLES.amd64])).toMatch(/^ELF 64-bit LSB (pie )?executable, x86-64/);
    expect(sh('file', ['-b', EXECUTABLES.arm64])).toMatch(/^ELF 64-bit LSB (pie )?executable, ARM aarch64/);
  });

  describe.each(['amd64', 'arm64'] as const)('%s', (arch) => {
    it('--version says what the .mjs says, with its own sha256 and the pinned Node', () => {
      const js = runNode(KGEN_BOOT, ['--version']);
      const exe = runExecutable(arch, ['--version']);
      expect(exe).toEqual({ ...js, stdout: withProgram(js.stdout, sums.get(`kgen-boot-linux-${arch}`)!, `v${NODE_VERSION}`) });
    });

    it.each(NODES)('check-config on the rendered node.yaml of %s: same output and exit code as the .mjs', (node) => {
      const root = nodeRoot(dist, node);
      const js = runNode(KGEN_BOOT, ['check-config', '--root', root]);
      expect(js.code, js.stderr).toBe(0);
      expect(runExecutable(arch, ['check-config', '--root', root])).toEqual(js);
    });
  });

  describe('amd64 behaves as the .mjs on every command line', () => {
    const cases: Array<[string, (dist: string) => string[]]> = [
      ['--help', () => ['--help']],
      ['no arguments', () => []],
      ['unknown command (usage error, exit 1)', () => ['bogus']],
      ['unknown flag (usage error, exit 1)', () => ['check-config', '--bogus']],
      ['phases for a role', () => ['phases', '--role', 'worker']],
      ['check-config without a node.yaml (exit 1)', () => ['check-config', '--root', tempDir('kgen-sea-empty-')]],
      ['run without a node.yaml (exit 1)', () => ['run', '--root', tempDir('kgen-sea-empty-')]],
      ['status with no record', () => ['status', '--root', tempDir('kgen-sea-empty-')]],
      [
        'check-config on a broken node.yaml (exit 1, field named)',
        (d) => {
          const root = nodeRoot(d, 'worker-1');
          const file = join(root, 'etc/kgen/node.yaml');
          writeFileSync(file, readFileSync(file, 'utf8').replace(/^kind: .*$/m, 'kind: Nonsense'));
          return ['check-config', '--root', root];
        },
      ],
    ];
    it.each(cases)('%s', (_name, argsFor) => {
      const args = argsFor(dist);
      expect(runExecutable('amd64', args)).toEqual(runNode(KGEN_BOOT, args));
    });
  });

  it('runs a whole init node in dry-run as the .mjs does (keys differ in size, waits in duration)', () => {
    const root = nodeRoot(dist, 'cp-1');
    const args = ['run', '--dry-run', '--skip-phases', 'preflight', '--root', root];
    const normalized = (r: Run) => ({ ...r, stdout: dryRunShape(r.stdout) });
    const js = runNode(KGEN_BOOT, args);
    expect(js.code, js.stderr).toBe(0);
    expect(js.stdout).toContain('[certs] Generating "apiserver" certificate and key');
    expect(normalized(runExecutable('amd64', args))).toEqual(normalized(js));
  });

  it('a second build from the same inputs gives the same bytes', () => {
    const out = tempDir('kgen-sea-rebuild-');
    const r = runNode(join(REPO, 'scripts/build-sea.mjs'), ['--out', out]);
    expect(r.code, r.stderr).toBe(0);
    // build-sea.mjs computes the sha256 file from the files it writes.
    expect(readFileSync(join(out, 'kgen-boot.sha256'), 'utf8')).toBe(readFileSync(join(BUILD, 'kgen-boot.sha256'), 'utf8'));
    rmSync(out, { recursive: true }); // 190 MB
  });
});
