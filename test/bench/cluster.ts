// Cluster benchmarks for `npm run bench` (the join issue's two measurements), on the one-machine harness of
// test/cluster (docs/architecture.md "Testing on one machine"): every node is a root directory plus a network namespace
// whose kubelet is the test kubelet, behind the forwarder as the control-plane load balancer; the static pods
// are real etcd and the test kube-apiserver / controller-manager / scheduler.
//   1. Bring-up: `kgen render` an inventory of 3 control-plane nodes and 20 workers, start all 23
//      `kgen-boot run` at the same moment and time until every Node is registered (kubectl through the load
//      balancer) and until every kgen-boot has exited 0; peak RSS of each kgen-boot process (bench/maxrss.mjs).
//   2. kgen-boot's own time on a control-plane join: the in-process phase durations of the bring-up's
//      joiners (status.json, with the waits they include named), and a spare control-plane node joining the
//      running cluster afterwards, where nothing waits: `kgen-boot phase discovery` and
//      `kgen-boot phase control-plane-prepare` timed as whole processes, then `run` to finish its join.
// Needs root (ip netns); without it, or without the harness' tools, the rows are recorded as skipped.
// Everything started here is stopped and every namespace deleted, also on failure.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toYaml } from '../../src/yaml.js';
import { startLoadBalancer } from '../cluster/load-balancer.js';
import { createFabric, destroyFabric, type Fabric } from '../cluster/netns.js';
import { createTestNode, type TestNode } from '../cluster/node.js';
import { programPath } from '../cluster/programs.js';
import { prepareNodeImage } from '../cluster/node-image.js';

export type RecordRow = (what: string, figure: string, target: string, met: boolean | undefined) => void;

const REPO = fileURLToPath(new URL('..', import.meta.url));
const KGEN = join(REPO, 'build/kgen.mjs');
const KGEN_BOOT = join(REPO, 'build/kgen-boot.mjs');
const MAXRSS = join(REPO, 'test/bench/maxrss.mjs');

const CONTROL_PLANE = ['cp1', 'cp2', 'cp3'];
const WORKERS = Array.from({ length: 20 }, (_, i) => `w${i + 1}`);
const BRING_UP = [...CONTROL_PLANE, ...WORKERS];
/** Rendered with the others, booted only after the bring-up, into the running cluster. */
const SPARE = 'cp4';
const SUBNET = '172.31.88';
const LB = `${SUBNET}.2`;
const address = (name: string) => (name.startsWith('cp') ? `${SUBNET}.${10 + Number(name.slice(2))}` : `${SUBNET}.${100 + Number(name.slice(1))}`);

const ROWS = {
  bringUp: 'cluster bring-up: 3 control-plane nodes + 20 workers, all 23 `kgen-boot run` started at once (one machine: netns, load balancer, test control plane and kubelet)',
  rss: 'kgen-boot `run` peak RSS in that bring-up (23 processes)',
  joinInBringUp: 'control-plane join in that bring-up, in-process phase durations from status.json and kgen-boot.log (cp2, cp3)',
  spareDiscovery: 'spare control-plane node joining the running cluster: `kgen-boot phase discovery`, whole process (median of 3)',
  sparePrepare: 'spare control-plane node: `kgen-boot phase control-plane-prepare` (download + decrypt kubeadm-certs, certificates, kubeconfigs, manifests), whole process',
  spareJoin: 'spare control-plane node: `kgen-boot run` finishing its join (kubelet-start, control-plane-join, wait-control-plane)',
};

interface BootRun {
  code: number;
  stdout: string;
  stderr: string;
  /** ms from the common start (bring-up) or from its own start (single runs). */
  endMs: number;
  rssMB: number;
  cpuMs: number;
}

interface PhaseRecord {
  phase: string;
  outcome: string;
  start: string;
  end?: string;
}

export const progress = (line: string) => console.log(`[cluster bench ${new Date().toISOString().slice(11, 19)}] ${line}`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
export const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function has(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** Why the cluster bench cannot run here, or undefined. */
export function skipReason(): string | undefined {
  if (process.platform !== 'linux') return 'needs Linux network namespaces';
  if (process.getuid?.() !== 0) return 'needs root (ip netns)';
  const missing = ['ip', 'etcd', 'kubectl', 'openssl'].filter((c) => !has(c));
  if (missing.length > 0) return `missing ${missing.join(', ')}`;
  const programs = ['kubelet', 'kubelet-service', 'systemctl', 'forwarder', 'kube-scheduler', 'kube-apiserver', 'kube-controller-manager'].map(programPath);
  const absent = [KGEN, KGEN_BOOT, ...programs].filter((p) => !existsSync(p));
  if (absent.length > 0) return `not built: ${absent.map((p) => p.slice(REPO.length)).join(', ')} (run node scripts/build.mjs)`;
  return undefined;
}

function inventory(): string {
  const names = [...BRING_UP, SPARE];
  return toYaml({
    cluster: { name: 'benchcluster', kubernetesVersion: 'v1.33.2', controlPlaneEndpoint: `${LB}:6443` },
    nodes: names.map((name) => ({ name, role: name.startsWith('cp') ? 'control-plane' : 'worker', address: address(name), ...(name === 'cp1' ? { init: true } : {}) })),
  });
}


/**
 * Runs build/kgen-boot.mjs in the node's namespace exactly as node.runBoot does (same program, arguments,
 * --root and environment), with bench/maxrss.mjs preloaded to report the process's peak RSS and CPU time.
 */
export async function boot(node: TestNode, args: string[], t0: number, timeoutMs = 900_000): Promise<BootRun> {
  // A process killed by a signal (or the timeout) rejects: count it as a failed run, not a crashed bench.
  const r = await node
    .exec(process.execPath, ['--import', MAXRSS, KGEN_BOOT, ...args, '--root', node.root], { timeoutMs })
    .catch((err: Error) => ({ code: -1, stdout: '', stderr: err.message }));
  const endMs = Date.now() - t0;
  const usage = /kgen-bench-usage (\d+) (\d+)/.exec(r.stderr);
  return { ...r, endMs, rssMB: Number(usage?.[1] ?? NaN) / 1024, cpuMs: Number(usage?.[2] ?? NaN) / 1000 };
}

function statusPhases(node: TestNode): PhaseRecord[] {
  const path = join(node.root, 'var/lib/kgen/status.json');
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as { phases: PhaseRecord[] }).phases : [];
}

/** First start to last end of a phase and its children (a parent's own record covers only its own run). */
function span(phases: PhaseRecord[], name: string): { start: number; end: number; ms: number } | undefined {
  const mine = phases.filter((p) => (p.phase === name || p.phase.startsWith(`${name}/`)) && p.outcome === 'done' && p.end);
  if (mine.length === 0) return undefined;
  const start = Math.min(...mine.map((p) => Date.parse(p.start)));
  const end = Math.max(...mine.map((p) => Date.parse(p.end!)));
  return { start, end, ms: end - start };
}

/** kgen-boot.log lines as [time ms, text]. */
export function logLines(node: TestNode): Array<[number, string]> {
  const path = join(node.root, 'var/log/kgen-boot.log');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((l) => /^(\S+) (.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null && !Number.isNaN(Date.parse(m[1]!)))
    .map((m) => [Date.parse(m[1]!), m[2]!]);
}

/**
 * Discovery's last attempt: from the end of the last logged wait ("[discovery] ...; retrying in Xs", line time
 * + X) to the end of the discovery phase; the whole phase when it never waited.
 */
function lastDiscoveryAttempt(node: TestNode): { ms: number; waits: number } | undefined {
  const d = span(statusPhases(node), 'discovery');
  if (!d) return undefined;
  const waits = logLines(node).filter(([t, text]) => t >= d.start - 5 && t <= d.end && /^\[discovery\] .*retrying in ([\d.]+)s$/.test(text));
  const last = waits.at(-1);
  if (!last) return { ms: d.ms, waits: 0 };
  const delay = Number(/retrying in ([\d.]+)s$/.exec(last[1])![1]) * 1000;
  return { ms: Math.max(0, d.end - (last[0] + delay)), waits: waits.length };
}

/** Writing the etcd static pod manifest: "[etcd] Creating static Pod manifest" to "[etcd] Waiting for the new etcd member". */
function etcdManifestWrite(node: TestNode): number | undefined {
  const lines = logLines(node);
  const from = lines.findLast(([, text]) => text.startsWith('[etcd] Creating static Pod manifest for "etcd"'));
  const to = lines.findLast(([, text]) => text.startsWith('[etcd] Waiting for the new etcd member'));
  return from && to && to[0] >= from[0] ? to[0] - from[0] : undefined;
}

const ms = (x: number | undefined) => (x === undefined ? 'n/a' : `${x.toFixed(0)} ms`);

export function tail(text: string, lines = 15): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

export async function benchClusterBringUp(record: RecordRow): Promise<void> {
  const reason = skipReason();
  if (reason) {
    for (const what of Object.values(ROWS)) record(what, `skipped: ${reason}`, '', undefined);
    return;
  }
  const started = Date.now();
  const scratch = mkdtempSync(join(tmpdir(), 'kgen-bench-cluster-'));
  const nodes = new Map<string, TestNode>();
  let fabric: Fabric | undefined;
  const recorded = new Set<string>();
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      progress('cleaning up (kubelets, namespaces, node roots)');
      await Promise.all([...nodes.values()].map((n) => n.services.stop('kubelet').catch(() => undefined)));
      if (fabric) await destroyFabric(fabric).catch((err: Error) => progress(`destroyFabric: ${err.message}`));
      for (const node of nodes.values()) node.remove();
      rmSync(scratch, { recursive: true, force: true });
    })());
  // Interrupted (Ctrl-C, kill): the kubelets and static pods the nodes started are not our children, so clean
  // up before exiting rather than leave them and the namespaces behind.
  const onSignal = (signal: NodeJS.Signals) => {
    progress(`${signal}: stopping`);
    void cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const rec = (what: string, figure: string) => {
    recorded.add(what);
    record(what, figure, '', undefined);
  };
  try {
    progress(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}; rendering ${BRING_UP.length + 1} nodes`);
    writeFileSync(join(scratch, 'nodes.yaml'), inventory());
    const render = spawnSync(process.execPath, [KGEN, 'render', '--nodes', 'nodes.yaml', '--out', 'dist'], { cwd: scratch, encoding: 'utf8' });
    if (render.status !== 0) throw new Error(`kgen render exited ${render.status}: ${render.stderr}`);
    const nodeYaml = (name: string) => readFileSync(join(scratch, 'dist/nodes', name, 'node.yaml'), 'utf8');

    fabric = await createFabric();
    // The bring-up's three control-plane nodes only: an address nobody answers yet (the spare) would cost every
    // fourth connection the forwarder's 2 s connect timeout. The spare joins through them.
    await startLoadBalancer(fabric, { address: LB, backends: CONTROL_PLANE.map(address) });
    const addNode = async (name: string) => {
      const node = await createTestNode(fabric!, { name, address: address(name) });
      prepareNodeImage(node.root);
      writeFileSync(join(node.root, 'etc/kgen/node.yaml'), nodeYaml(name), { mode: 0o600 });
      nodes.set(name, node);
      return node;
    };
    for (const name of BRING_UP) await addNode(name);
    progress(`${BRING_UP.length} nodes ready (namespaces, roots); starting every kgen-boot run at once`);

    // 1. Bring-up.
    const t0 = Date.now();
    const runs = new Map<string, BootRun>();
    const all = Promise.all(
      BRING_UP.map(async (name) => {
        const r = await boot(nodes.get(name)!, ['run'], t0);
        runs.set(name, r);
        progress(`${name}: kgen-boot run exited ${r.code} after ${s(r.endMs)} (${runs.size}/${BRING_UP.length})`);
      }),
    );
    let allDone = false;
    const done = () => {
      allDone = true;
    };
    all.then(done, done);
    const cp1 = nodes.get('cp1')!;
    const adminConf = join(cp1.root, 'etc/kubernetes/admin.conf');
    let registeredMs: number | undefined;
    /** The newest Node's creationTimestamp (whole seconds, the API server's clock: this machine's). */
    let lastCreatedMs: number | undefined;
    let seen = 0;
    // Poll the Nodes through the load balancer with cp1's admin.conf, until all 23 are registered (or every
    // kgen-boot exited and two more minutes passed).
    for (let doneAt: number | undefined; registeredMs === undefined; ) {
      if (allDone) doneAt ??= Date.now();
      if (doneAt !== undefined && Date.now() - doneAt > 120_000) break;
      if (Date.now() - t0 > 1_200_000) break;
      if (existsSync(adminConf)) {
        const r = await cp1.exec('kubectl', ['--kubeconfig', adminConf, '--request-timeout=10s', 'get', 'nodes', '-o', 'json'], { timeoutMs: 20_000 });
        if (r.code === 0) {
          const items = (JSON.parse(r.stdout) as { items: Array<{ metadata: { name: string; creationTimestamp: string } }> }).items;
          const names = new Set(items.map((n) => n.metadata.name));
          const count = BRING_UP.filter((n) => names.has(n)).length;
          lastCreatedMs = Math.max(...items.map((n) => Date.parse(n.metadata.creationTimestamp))) - t0;
          if (count !== seen) progress(`${count}/${BRING_UP.length} Nodes registered at ${s(Date.now() - t0)}`);
          seen = count;
          if (count === BRING_UP.length) registeredMs = Date.now() - t0;
        }
      }
      if (registeredMs === undefined) await new Promise((r) => setTimeout(r, 1000));
    }
    await all;
    const failed = BRING_UP.filter((n) => runs.get(n)!.code !== 0);
    for (const name of failed) {
      const r = runs.get(name)!;
      progress(`${name} failed (exit ${r.code}):\n${tail(r.stdout)}\n${tail(r.stderr.replace(/kgen-bench-usage.*/, ''))}`);
    }
    const exitedMs = Math.max(...[...runs.values()].map((r) => r.endMs));
    const workerEnds = WORKERS.map((n) => runs.get(n)!.endMs);
    rec(
      ROWS.bringUp,
      `every Node registered after ${registeredMs === undefined ? `n/a (${seen}/${BRING_UP.length} seen)` : s(registeredMs)} ` +
        `(seen by polling kubectl through the load balancer; the last Node's creationTimestamp: ${lastCreatedMs === undefined ? 'n/a' : s(lastCreatedMs)}); ` +
        `every kgen-boot exited ${failed.length === 0 ? '0' : `(${failed.length} NOT 0: ${failed.join(', ')})`} after ${s(exitedMs)} ` +
        `(init node ${s(runs.get('cp1')!.endMs)}, control-plane joiners ${CONTROL_PLANE.slice(1).map((n) => s(runs.get(n)!.endMs)).join(' / ')}, ` +
        `workers median ${s(median(workerEnds))}, max ${s(Math.max(...workerEnds))}); load average at the end ${loadavg()[0]!.toFixed(1)}`,
    );
    const rss = (names: string[]) => names.map((n) => runs.get(n)!.rssMB).filter((x) => !Number.isNaN(x));
    const allRss = rss(BRING_UP);
    const alone = spawnSync(process.execPath, ['--import', MAXRSS, KGEN_BOOT, '--version'], { encoding: 'utf8' });
    const aloneMB = Number(/kgen-bench-usage (\d+)/.exec(alone.stderr)?.[1] ?? NaN) / 1024;
    rec(
      ROWS.rss,
      allRss.length === 0
        ? 'n/a (no kgen-bench-usage line)'
        : `max ${Math.max(...allRss).toFixed(0)} MB, median ${median(allRss).toFixed(0)} MB (control-plane max ${Math.max(...rss(CONTROL_PLANE)).toFixed(0)} MB, ` +
            `workers max ${Math.max(...rss(WORKERS)).toFixed(0)} MB; \`kgen-boot --version\` alone: ${aloneMB.toFixed(0)} MB); CPU per process: median ${(median(BRING_UP.map((n) => runs.get(n)!.cpuMs)) / 1000).toFixed(1)} s, ` +
            `max ${(Math.max(...BRING_UP.map((n) => runs.get(n)!.cpuMs)) / 1000).toFixed(1)} s`,
    );

    // 2a. The bring-up's control-plane joiners, from their own records.
    const joiners = CONTROL_PLANE.slice(1).map((name) => {
      const node = nodes.get(name)!;
      const phases = statusPhases(node);
      const last = lastDiscoveryAttempt(node);
      const join = span(phases, 'control-plane-join');
      const etcd = span(phases, 'control-plane-join/etcd');
      return (
        `${name}: discovery ${ms(span(phases, 'discovery')?.ms)} incl. waiting for the init node (${last?.waits ?? 0} logged waits; last attempt ${ms(last?.ms)}); ` +
        `control-plane-prepare ${ms(span(phases, 'control-plane-prepare')?.ms)} (no waits, CPU shared with the whole bring-up); control-plane-join ${ms(join?.ms)} incl. waits ` +
        `(etcd ${ms(etcd?.ms)} incl. member add + learner promotion; writing the etcd manifest ${ms(etcdManifestWrite(node))})`
      );
    });
    rec(ROWS.joinInBringUp, joiners.join('; '));

    // 2b. A spare control-plane node joining the running cluster: nothing to wait for.
    progress(`bring-up measured after ${s(Date.now() - started)}; joining the spare control-plane node ${SPARE}`);
    const spare = await addNode(SPARE);
    // Phase by phase in the workflow's order, as an operator steps through them: preflight first (not measured),
    // else the final `run` would find the manifests control-plane-prepare wrote (FileAvailable) and stop.
    const preflight = await boot(spare, ['phase', 'preflight'], Date.now());
    if (preflight.code !== 0) throw new Error(`${SPARE}: kgen-boot phase preflight exited ${preflight.code}: ${tail(preflight.stdout + preflight.stderr)}`);
    const discovery: BootRun[] = [];
    const discoveryInProcess: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await boot(spare, ['phase', 'discovery'], Date.now());
      if (r.code !== 0) throw new Error(`${SPARE}: kgen-boot phase discovery exited ${r.code}: ${tail(r.stdout + r.stderr)}`);
      discovery.push(r);
      discoveryInProcess.push(span(statusPhases(spare), 'discovery')?.ms ?? NaN);
    }
    rec(
      ROWS.spareDiscovery,
      `${ms(median(discovery.map((r) => r.endMs)))} wall (in-process phase per status.json: ${ms(median(discoveryInProcess))}: 2 GETs of cluster-info, JWS check, CA pin), ` +
        `${median(discovery.map((r) => r.rssMB)).toFixed(0)} MB peak RSS, ${ms(median(discovery.map((r) => r.cpuMs)))} CPU`,
    );
    const prepare = await boot(spare, ['phase', 'control-plane-prepare'], Date.now());
    if (prepare.code !== 0) throw new Error(`${SPARE}: kgen-boot phase control-plane-prepare exited ${prepare.code}: ${tail(prepare.stdout + prepare.stderr)}`);
    const pp = statusPhases(spare);
    rec(
      ROWS.sparePrepare,
      `${ms(prepare.endMs)} wall, ${prepare.rssMB.toFixed(0)} MB peak RSS, ${ms(prepare.cpuMs)} CPU; in-process ${ms(span(pp, 'control-plane-prepare')?.ms)}: ` +
        `download-certs ${ms(span(pp, 'control-plane-prepare/download-certs')?.ms)} (a fresh process discovers again first: cluster-info + the Secret), ` +
        `certs ${ms(span(pp, 'control-plane-prepare/certs')?.ms)}, kubeconfig ${ms(span(pp, 'control-plane-prepare/kubeconfig')?.ms)}, ` +
        `control-plane manifests ${ms(span(pp, 'control-plane-prepare/control-plane')?.ms)}`,
    );
    const finish = await boot(spare, ['run'], Date.now(), 600_000);
    if (finish.code !== 0) throw new Error(`${SPARE}: kgen-boot run exited ${finish.code}: ${tail(finish.stdout + finish.stderr)}`);
    const fp = statusPhases(spare);
    rec(
      ROWS.spareJoin,
      `${s(finish.endMs)} wall, ${finish.rssMB.toFixed(0)} MB peak RSS; kubelet-start ${ms(span(fp, 'kubelet-start')?.ms)} (incl. discovery again and the TLS bootstrap), ` +
        `control-plane-join ${ms(span(fp, 'control-plane-join')?.ms)} (etcd ${ms(span(fp, 'control-plane-join/etcd')?.ms)} incl. member add + promotion; ` +
        `writing the etcd manifest ${ms(etcdManifestWrite(spare))}; mark-control-plane ${ms(span(fp, 'control-plane-join/mark-control-plane')?.ms)}), ` +
        `wait-control-plane ${ms(span(fp, 'wait-control-plane')?.ms)}`,
    );
  } catch (err) {
    const message = (err as Error).message.split('\n')[0]!;
    progress(`failed: ${(err as Error).stack ?? message}`);
    for (const what of Object.values(ROWS)) if (!recorded.has(what)) record(what, `failed: ${message}`, '', undefined);
  } finally {
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    progress(`cluster bench took ${s(Date.now() - started)}`);
  }
}
