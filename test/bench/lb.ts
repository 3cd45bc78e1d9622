// The load-balancer bench for `npm run bench` (first boot behind a real TCP load balancer): on the one-machine
// harness of test/cluster, an init node's `kgen-boot run` behind the forwarder configured with all three
// control-plane addresses while only the init node is up (the other two machines are not on the network yet, so
// their turns cost the forwarder's connect timeout and a reset, as behind a balancer without health checks);
// figures: wall time, connections opened to the endpoint during the run (counted by the forwarder: kgen-boot's
// and the kubelet's, as kubeadm's figure counts what the node opens), and the longest gap between two lines of
// kgen-boot.log. Then the two joiners boot into it, and, for comparison, the same init run on a fresh fabric
// behind a forwarder that knows only the init node. The two kinds of init run alternate, twice each (median).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toYaml } from '../../src/yaml.js';
import { startLoadBalancer } from '../cluster/load-balancer.js';
import { createFabric, destroyFabric, type Fabric } from '../cluster/netns.js';
import { createTestNode, type TestNode } from '../cluster/node.js';
import { prepareNodeImage } from '../cluster/node-image.js';
import { boot, logLines, progress, s, skipReason, tail, type RecordRow } from './cluster.js';

const KGEN = join(fileURLToPath(new URL('..', import.meta.url)), 'build/kgen.mjs');
const CONTROL_PLANE = ['cp1', 'cp2', 'cp3'];
const SUBNET = '172.31.89';
const LB = `${SUBNET}.2`;
const address = (name: string) => `${SUBNET}.${10 + Number(name.slice(2))}`;
const ROUNDS = 2;

const ROWS = {
  init: 'init node first boot behind a TCP load balancer with 3 backends, only the init node up (median of 2): wall time, connections to the endpoint, longest gap in kgen-boot.log',
  joiners: 'the two control-plane joiners booted into that cluster at once (backends up one by one as they start)',
  ratio: 'init first boot with two dead backends against the same run behind a load balancer that knows only the init node (median of 2 each)',
};

interface InitRun {
  ms: number;
  connections: number;
  resets: number;
  gapMs: number;
  gapAfter: string;
  /** The longest gap outside key generation: where a wait would show. */
  waitGapMs: number;
  waitGapAfter: string;
}

/**
 * Longest time between two consecutive kgen-boot.log lines, and the line before it; `skip` leaves out gaps that
 * follow lines it matches.
 */
function longestGap(node: TestNode, skip?: RegExp): { ms: number; after: string } {
  const lines = logLines(node);
  let best = { ms: 0, after: '' };
  for (let i = 1; i < lines.length; i++) {
    const gap = lines[i]![0] - lines[i - 1]![0];
    if (gap > best.ms && !skip?.test(lines[i - 1]![1])) best = { ms: gap, after: lines[i - 1]![1] };
  }
  return best;
}

/** The certs and kubeconfig phases' key generation: CPU work, no wait (the init-phases group measures it). */
const KEY_GENERATION = /^\[(certs|kubeconfig)\]/;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

/** One fabric: the forwarder over `backends`, the init node booted; the joiners too when `joiners`. */
async function initRun(nodeYaml: (name: string) => string, backends: string[], joiners: boolean): Promise<{ init: InitRun; joinMs: number[] }> {
  let fabric: Fabric | undefined;
  const nodes: TestNode[] = [];
  try {
    fabric = await createFabric();
    const lb = await startLoadBalancer(fabric, { address: LB, backends: backends.map(address) });
    const addNode = async (name: string) => {
      const node = await createTestNode(fabric!, { name, address: address(name) });
      prepareNodeImage(node.root);
      writeFileSync(join(node.root, 'etc/kgen/node.yaml'), nodeYaml(name), { mode: 0o600 });
      nodes.push(node);
      return node;
    };
    const cp1 = await addNode('cp1');
    const before = lb.connections.length;
    const r = await boot(cp1, ['run'], Date.now(), 600_000);
    if (r.code !== 0) throw new Error(`cp1: kgen-boot run exited ${r.code}: ${tail(r.stdout + r.stderr)}`);
    const during = lb.connections.slice(before);
    const gap = longestGap(cp1);
    const waitGap = longestGap(cp1, KEY_GENERATION);
    const resets = during.filter((c) => !c.forwarded).length;
    const init = { ms: r.endMs, connections: during.length, resets, gapMs: gap.ms, gapAfter: gap.after, waitGapMs: waitGap.ms, waitGapAfter: waitGap.after };
    progress(
      `init run behind [${backends.join(', ')}]: ${s(init.ms)}, ${init.connections} connections (${init.resets} reset), longest log gap ${init.gapMs} ms after "${init.gapAfter}", ` +
        `outside key generation ${init.waitGapMs} ms after "${init.waitGapAfter}"`,
    );
    const joinMs: number[] = [];
    if (joiners) {
      const joining = await Promise.all(['cp2', 'cp3'].map(addNode));
      const t0 = Date.now();
      const runs = await Promise.all(joining.map((n) => boot(n, ['run'], t0, 600_000)));
      runs.forEach((j, i) => {
        if (j.code !== 0) throw new Error(`${joining[i]!.name}: kgen-boot run exited ${j.code}: ${tail(j.stdout + j.stderr)}`);
        joinMs.push(j.endMs);
      });
    }
    return { init, joinMs };
  } finally {
    await Promise.all(nodes.map((n) => n.services.stop('kubelet').catch(() => undefined)));
    if (fabric) await destroyFabric(fabric).catch((err: Error) => progress(`destroyFabric: ${err.message}`));
    for (const n of nodes) n.remove();
  }
}

export async function benchLoadBalancer(record: RecordRow): Promise<void> {
  const reason = skipReason();
  if (reason) {
    for (const what of Object.values(ROWS)) record(what, `skipped: ${reason}`, '', undefined);
    return;
  }
  const scratch = mkdtempSync(join(tmpdir(), 'kgen-bench-lb-'));
  try {
    writeFileSync(
      join(scratch, 'nodes.yaml'),
      toYaml({
        cluster: { name: 'lbbench', kubernetesVersion: 'v1.33.2', controlPlaneEndpoint: `${LB}:6443` },
        nodes: CONTROL_PLANE.map((name) => ({ name, role: 'control-plane', address: address(name), ...(name === 'cp1' ? { init: true } : {}) })),
      }),
    );
    const render = spawnSync(process.execPath, [KGEN, 'render', '--nodes', 'nodes.yaml', '--out', 'dist'], { cwd: scratch, encoding: 'utf8' });
    if (render.status !== 0) throw new Error(`kgen render exited ${render.status}: ${render.stderr}`);
    const nodeYaml = (name: string) => readFileSync(join(scratch, 'dist/nodes', name, 'node.yaml'), 'utf8');
    const dead: InitRun[] = [];
    const alone: InitRun[] = [];
    const joins: number[][] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const withDead = await initRun(nodeYaml, CONTROL_PLANE, true);
      dead.push(withDead.init);
      joins.push(withDead.joinMs);
      alone.push((await initRun(nodeYaml, ['cp1'], false)).init);
    }
    const deadMs = median(dead.map((r) => r.ms));
    const aloneMs = median(alone.map((r) => r.ms));
    const maxConnections = Math.max(...dead.map((r) => r.connections));
    const worstGap = dead.reduce((a, b) => (b.gapMs > a.gapMs ? b : a));
    const worstWaitGap = dead.reduce((a, b) => (b.waitGapMs > a.waitGapMs ? b : a));
    record(
      ROWS.init,
      `${s(deadMs)} wall; ${dead.map((r) => `${r.connections} connections (${r.resets} reset)`).join(', ')}; longest gap ${(worstGap.gapMs / 1000).toFixed(1)} s (after "${worstGap.gapAfter.slice(0, 80)}"), ` +
        `outside key generation ${(worstWaitGap.waitGapMs / 1000).toFixed(1)} s (after "${worstWaitGap.waitGapAfter.slice(0, 80)}")`,
      '<= 5 connections, no gap over 2 s outside key generation',
      maxConnections <= 5 && worstWaitGap.waitGapMs <= 2000,
    );
    record(ROWS.joiners, joins.map((j) => j.map((ms) => s(ms)).join(' and ')).join('; '), '', undefined);
    record(ROWS.ratio, `${s(deadMs)} against ${s(aloneMs)}: ${(deadMs / aloneMs).toFixed(2)}x`, '<= 1.2x', deadMs <= 1.2 * aloneMs);
  } catch (err) {
    progress(`failed: ${(err as Error).stack ?? err}`);
    for (const what of Object.values(ROWS)) record(what, `failed: ${(err as Error).message.split('\n')[0]}`, '', undefined);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
