// `npm run bench`: measures kgen against its speed and memory targets and writes BENCHMARKS.md with the
// machine and date. Figures come from running the built programs the way a user does; nothing here is an
// assertion: a target that is missed is reported as missed.
import { spawnSync } from 'node:child_process';
import { cpus, loadavg, totalmem, tmpdir } from 'node:os';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { toYaml } from '../../src/yaml.js';
import { main as bootMain } from '../../src/boot/cli.js';
import type { KeyAlgorithm } from '../../src/pki/types.js';
import { generateKeyPair } from '../../src/pki/keys.js';
import { phasesFor } from '../../src/boot/phases/index.js';
import { buildClusterPrograms, testProgramSources } from '../cluster/build-programs.js';
import { benchClusterBringUp } from './cluster.js';
import { benchLoadBalancer } from './lb.js';
import { benchReplace } from './replace.js';
import { benchUpgrade } from './upgrade.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const KGEN = join(REPO, 'build/kgen.mjs');
const KGEN_BOOT = join(REPO, 'build/kgen-boot.mjs');
const MAXRSS = join(REPO, 'test/bench/maxrss.mjs');
const LOAD_AT_START = loadavg();

interface Row {
  what: string;
  figure: string;
  target: string;
  met: boolean | undefined;
}
const rows: Row[] = [];
function record(what: string, figure: string, target: string, met: boolean | undefined): void {
  rows.push({ what, figure, target, met });
  console.log(`${what}: ${figure}${target ? ` (target ${target}: ${met ? 'met' : 'MISSED'})` : ''}`);
}

/** Runs a node program, returning wall and CPU milliseconds and peak RSS in MB. */
function timed(program: string, args: string[], cwd: string): { ms: number; cpuMs: number; rssMB: number; stdout: string } {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--import', MAXRSS, program, ...args], { cwd, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${program} ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
  const usage = /kgen-bench-usage (\d+) (\d+)/.exec(r.stderr);
  return { ms, cpuMs: Number(usage?.[2] ?? NaN) / 1000, rssMB: Number(usage?.[1] ?? NaN) / 1024, stdout: r.stdout };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** An inventory of `cp` control-plane nodes and `workers` workers with network sections and MACs. */
function fleet(cp: number, workers: number, keyAlgorithm: string): string {
  const node = (i: number, role: string) => {
    const ip = `10.${20 + Math.floor(i / 250)}.${i % 250}.10`;
    const mac = `52:54:00:${[i >> 16, (i >> 8) & 255, i & 255].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
    return {
      name: `${role === 'control-plane' ? 'cp' : 'worker'}-${i}`,
      role,
      address: ip,
      mac,
      network: { interface: 'eth0', addresses: [`${ip}/16`], gateway: `10.${20 + Math.floor(i / 250)}.0.1`, nameservers: ['10.0.0.2'] },
    };
  };
  return toYaml({
    cluster: {
      name: 'bench',
      kubernetesVersion: 'v1.33.2',
      controlPlaneEndpoint: 'cp.bench.internal:6443',
      certificates: { keyAlgorithm },
      networking: { podSubnet: '10.244.0.0/16', serviceSubnet: '10.96.0.0/12' },
    },
    nodes: [
      ...Array.from({ length: cp }, (_, i) => node(i, 'control-plane')),
      ...Array.from({ length: workers }, (_, i) => node(cp + i, 'worker')),
    ],
  });
}

function benchRender(): void {
  const dir = mkdtempSync(join(tmpdir(), 'kgen-bench-'));
  try {
    writeFileSync(join(dir, 'nodes.yaml'), fleet(3, 997, 'RSA-2048'));
    const first = timed(KGEN, ['render', '--nodes', 'nodes.yaml', '--out', 'dist', '--json'], dir);
    const nodes = JSON.parse(first.stdout).nodes.length;
    record(`render ${nodes} nodes (3 cp + 997 workers, boot program embedded), first run incl. state creation`, `${(first.ms / 1000).toFixed(2)} s wall (${(first.cpuMs / 1000).toFixed(2)} s CPU), ${first.rssMB.toFixed(0)} MB peak RSS`, '<= 5 s and <= 500 MB', first.ms <= 5000 && first.rssMB <= 500);
    const again = timed(KGEN, ['render', '--nodes', 'nodes.yaml', '--out', 'dist', '--json'], dir);
    record(`re-render ${nodes} nodes reusing the state`, `${(again.ms / 1000).toFixed(2)} s wall (${(again.cpuMs / 1000).toFixed(2)} s CPU), ${again.rssMB.toFixed(0)} MB peak RSS`, '<= 5 s and <= 500 MB', again.ms <= 5000 && again.rssMB <= 500);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Validating a 5000-node fleet, and refusing inputs over the limits of src/inventory/read.ts. */
function benchInventory(): void {
  const dir = mkdtempSync(join(tmpdir(), 'kgen-bench-'));
  try {
    writeFileSync(join(dir, 'nodes.yaml'), fleet(3, 4997, 'RSA-2048'));
    const size = readFileSync(join(dir, 'nodes.yaml')).length;
    const valid = timed(KGEN, ['validate', '--nodes', 'nodes.yaml'], dir);
    record(`validate 5000 nodes (${(size / 1e6).toFixed(1)} MB of nodes.yaml)`, `${(valid.ms / 1000).toFixed(2)} s wall (${(valid.cpuMs / 1000).toFixed(2)} s CPU), ${valid.rssMB.toFixed(0)} MB peak RSS`, '', undefined);
    writeFileSync(join(dir, 'huge.yaml'), '');
    truncateSync(join(dir, 'huge.yaml'), 50 * 1024 * 1024);
    const start = process.hrtime.bigint();
    const refused = spawnSync(process.execPath, [KGEN, 'validate', '--nodes', 'huge.yaml'], { cwd: dir, encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    record('refuse a 50 MB nodes.yaml (size limit)', `${ms.toFixed(0)} ms wall, exit ${refused.status}`, '<= 1 s, exit 1', ms <= 1000 && refused.status === 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function benchStateCreation(): void {
  for (const alg of ['RSA-2048', 'ECDSA-P256']) {
    const wall: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < 5; i++) {
      const dir = mkdtempSync(join(tmpdir(), 'kgen-bench-'));
      writeFileSync(join(dir, 'nodes.yaml'), fleet(1, 0, alg));
      // A one-node render is dominated by creating the state (3 CAs + the service-account key).
      const r = timed(KGEN, ['render', '--nodes', 'nodes.yaml', '--out', 'dist', '--json'], dir);
      wall.push(r.ms);
      cpu.push(r.cpuMs);
      rmSync(dir, { recursive: true, force: true });
    }
    record(`create the cluster state, ${alg} (one-node render, median of 5)`, `${median(wall).toFixed(0)} ms wall (${median(cpu).toFixed(0)} ms CPU)`, '', undefined);
  }
}

function benchBootProgram(): void {
  const bytes = readFileSync(KGEN_BOOT);
  const gz = gzipSync(bytes, { level: 9 }).length;
  record('kgen-boot bundle size', `${(bytes.length / 1024).toFixed(0)} KB raw, ${(gz / 1024).toFixed(0)} KB gzipped`, '<= 200 KB gzipped', gz <= 200 * 1024);
  // Interleaved, so that both medians see the same moments of a noisy machine.
  const times: number[] = [];
  const bare: number[] = [];
  const wall = (args: string[]) => {
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args);
    if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}`);
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  for (let i = 0; i < 15; i++) {
    times.push(wall([KGEN_BOOT, '--version']));
    bare.push(wall(['-e', '0']));
  }
  record('kgen-boot --version cold start (median of 15)', `${median(times).toFixed(0)} ms (bare \`node -e 0\`: ${median(bare).toFixed(0)} ms)`, '<= 100 ms', median(times) <= 100);
}

/** Wall and CPU (user + system) milliseconds of one run, from bash's `time` (works for any executable). */
function wallAndCpu(cmd: string, args: string[]): [number, number] {
  const r = spawnSync('bash', ['-c', 'TIMEFORMAT="%3R %3U %3S"; time "$@" >/dev/null 2>&1', 'bash', cmd, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}`);
  const [real, user, sys] = r.stderr.trim().split(/\s+/).slice(-3).map(Number) as [number, number, number];
  return [real * 1000, (user + sys) * 1000];
}

/**
 * The self-contained executables (scripts/build-sea.mjs; built here when missing): size raw and gzipped,
 * and cold start of the amd64 one against `node build/kgen-boot.mjs` (this machine's node), interleaved.
 */
function benchExecutables(): void {
  const executables = ['amd64', 'arm64'].map((arch) => join(REPO, `build/kgen-boot-linux-${arch}`));
  if (!executables.every((file) => existsSync(file))) {
    const built = spawnSync(process.execPath, [join(REPO, 'scripts/build-sea.mjs')], { stdio: 'inherit' });
    if (built.status !== 0) throw new Error(`scripts/build-sea.mjs exited ${built.status}`);
  }
  for (const file of executables) {
    const bytes = readFileSync(file);
    const gz = gzipSync(bytes, { level: 9 }).length;
    record(`${basename(file)} size`, `${(bytes.length / 2 ** 20).toFixed(1)} MB raw, ${(gz / 2 ** 20).toFixed(1)} MB gzipped`, '', undefined);
  }
  const node = initNodeRoot('ECDSA-P256');
  try {
    const root = node.root();
    for (const args of [['--version'], ['check-config', '--root', root]]) {
      const exe: Array<[number, number]> = [];
      const js: Array<[number, number]> = [];
      for (let i = 0; i < 15; i++) {
        exe.push(wallAndCpu(executables[0]!, args));
        js.push(wallAndCpu(process.execPath, [KGEN_BOOT, ...args]));
      }
      const figure = (runs: Array<[number, number]>) => `${median(runs.map((r) => r[0])).toFixed(0)} ms (${median(runs.map((r) => r[1])).toFixed(0)} ms CPU)`;
      record(
        `kgen-boot-linux-amd64 ${args[0]} cold start (median of 15)${args[0] === '--version' ? ', incl. hashing its own file' : ''}`,
        `${figure(exe)}; \`node build/kgen-boot.mjs ${args[0]}\` with Node ${process.version}: ${figure(js)}`,
        '',
        undefined,
      );
    }
  } finally {
    rmSync(node.dir, { recursive: true, force: true });
  }
}

/** A rendered init node's root directory (node.yaml in place) for the given key algorithm. */
function initNodeRoot(alg: string): { dir: string; root: () => string } {
  const dir = mkdtempSync(join(tmpdir(), 'kgen-bench-'));
  writeFileSync(join(dir, 'nodes.yaml'), fleet(1, 0, alg));
  timed(KGEN, ['render', '--nodes', 'nodes.yaml', '--out', 'dist', '--json'], dir);
  let n = 0;
  return {
    dir,
    root: () => {
      const root = join(dir, `root-${++n}`);
      mkdirSync(join(root, 'etc/kgen'), { recursive: true });
      cpSync(join(dir, 'dist/nodes/cp-0/node.yaml'), join(root, 'etc/kgen/node.yaml'));
      return root;
    },
  };
}

async function benchInitPhases(): Promise<void> {
  const quiet = { stdout: () => undefined, stderr: () => undefined, cwd: process.cwd() };
  const targets: Record<string, number> = { 'RSA-2048': 1500, 'ECDSA-P256': 100 };
  for (const alg of Object.keys(targets)) {
    const node = initNodeRoot(alg);
    try {
      const ms = async (argvs: string[][]) => {
        const start = process.hrtime.bigint();
        for (const argv of argvs) {
          const code = await bootMain(argv, quiet);
          if (code !== 0) throw new Error(`kgen-boot ${argv.join(' ')} exited ${code}`);
        }
        return Number(process.hrtime.bigint() - start) / 1e6;
      };
      // As the init node runs them: inside `kgen-boot run`, which warms both phases' keys in one batch.
      const others = phasesFor('init').map((p) => p.name).filter((n) => n !== 'certs' && n !== 'kubeconfig').join(',');
      const asRun = (root: string) => ms([['run', '--skip-phases', others, '--root', root]]);
      const asPhases = (root: string) => ms(['certs', 'kubeconfig'].map((phase) => ['phase', phase, '--root', root]));
      await asPhases(node.root()); // loads the phase modules once, as a running kgen-boot has
      const inRun: number[] = [];
      const inPhases: number[] = [];
      for (let i = 0; i < 5; i++) {
        inRun.push(await asRun(node.root()));
        inPhases.push(await asPhases(node.root()));
      }
      const wholeProcess: number[] = [];
      for (let i = 0; i < 3; i++) {
        const root = node.root();
        const start = process.hrtime.bigint();
        for (const phase of ['certs', 'kubeconfig']) timed(KGEN_BOOT, ['phase', phase, '--root', root], node.dir);
        wholeProcess.push(Number(process.hrtime.bigint() - start) / 1e6);
      }
      // The floor under these phases: their 12 new keys, generated all at once on the thread pool.
      const keysOnly: number[] = [];
      for (let i = 0; i < 5; i++) {
        const start = process.hrtime.bigint();
        await Promise.all(Array.from({ length: 12 }, () => generateKeyPair(alg as KeyAlgorithm)));
        keysOnly.push(Number(process.hrtime.bigint() - start) / 1e6);
      }
      record(
        `init node certs + kubeconfig phases (7 certificates, 5 kubeconfigs), ${alg}, median of 5`,
        `${median(inRun).toFixed(0)} ms in \`kgen-boot run\` (as two in-process \`phase\` calls: ${median(inPhases).toFixed(0)} ms; as two \`kgen-boot phase\` processes: ${median(wholeProcess).toFixed(0)} ms; generating their 12 keys alone: ${median(keysOnly).toFixed(0)} ms)`,
        `<= ${targets[alg]} ms`,
        median(inRun) <= targets[alg]!,
      );
    } finally {
      rmSync(node.dir, { recursive: true, force: true });
    }
  }
}

function writeReport(): void {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const lines = [
    '# kgen benchmarks',
    '',
    `Measured by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}, ${process.platform}.`,
    'Wall times include starting the built program (`build/kgen.mjs`, `build/kgen-boot.mjs`) as a user would; CPU is the',
    "child's user + system time (it can exceed wall time: key generation and zlib run on libuv's thread pool); peak memory is",
    "the child's maximum resident set size.",
    `Load average when the run started: ${LOAD_AT_START.map((l) => l.toFixed(2)).join(', ')} (on a busy machine, wall times are inflated; CPU times much less).`,
    '',
    '| measurement | figure | target | met |',
    '| --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.what} | ${r.figure} | ${r.target || '—'} | ${r.met === undefined ? '—' : r.met ? 'yes' : '**no**'} |`),
    '',
  ];
  writeFileSync(join(REPO, 'BENCHMARKS.md'), lines.join('\n'));
  console.log('\nwrote BENCHMARKS.md');
}

/** The cluster groups start the test programs (build/test): build them first, as the tests' global setup does. */
function withTestPrograms(run: () => Promise<void>): () => Promise<void> {
  return async () => {
    await buildClusterPrograms(testProgramSources());
    await run();
  };
}

// `npm run bench -- NAME...` runs only the named groups and leaves BENCHMARKS.md alone.
const GROUPS: Record<string, () => void | Promise<void>> = {
  'boot-program': benchBootProgram,
  executable: benchExecutables,
  'init-phases': benchInitPhases,
  state: benchStateCreation,
  render: benchRender,
  inventory: benchInventory,
  cluster: withTestPrograms(() => benchClusterBringUp(record)),
  lb: withTestPrograms(() => benchLoadBalancer(record)),
  replace: withTestPrograms(() => benchReplace(record)),
  upgrade: withTestPrograms(() => benchUpgrade(record)),
};
const only = process.argv.slice(2);
const unknown = only.filter((name) => !(name in GROUPS));
if (unknown.length > 0) {
  console.error(`unknown benchmark group(s) ${unknown.join(', ')}; groups: ${Object.keys(GROUPS).join(', ')}`);
  process.exit(1);
}
for (const [name, run] of Object.entries(GROUPS)) if (only.length === 0 || only.includes(name)) await run();
if (only.length === 0) writeReport();
