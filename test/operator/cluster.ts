// A running cluster for the operator's commands, built the way an operator builds one: `kgen render` an
// inventory (N control-plane nodes behind a load balancer, M workers), then `kgen-boot run` on each node of the
// one-machine harness (test/cluster: netns, test kubelet, real etcd, test control plane): the control-plane
// nodes in turn, then the workers together. The operator's workstation is a namespace of its own on the same
// fabric (it reaches the load balancer and every node, and stays up whichever machine dies); kgen runs there with
// the inventory and the state `render` created.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toYaml } from '../../src/yaml.js';
import { HARNESS_PROGRAMS, buildClusterPrograms } from '../cluster/build-programs.js';
import { startLoadBalancer } from '../cluster/load-balancer.js';
import { addNamespace, createFabric, destroyFabric, exec, type ExecResult, type Fabric, type NetNamespace } from '../cluster/netns.js';
import { createTestNode, type TestNode } from '../cluster/node.js';
import { prepareNodeImage } from '../cluster/node-image.js';
import { sourceExists } from '../cluster/programs.js';
import { KGEN, kgen } from '../helpers.js';

export const API_SERVER = 'test/controlplane/kube-apiserver-main.ts';
const CONTROLLER_MANAGER = 'test/controlplane/kube-controller-manager-main.ts';
export const canRun = sourceExists(API_SERVER) && sourceExists(CONTROLLER_MANAGER) && process.getuid?.() === 0;

export const CLUSTER_NAME = 'opscluster';
export const LB = '172.31.12.2';
/** The operator's workstation. */
const SEAT = '172.31.12.5';
export interface Machine {
  name: string;
  address: string;
  role: 'control-plane' | 'worker';
}
/** Every machine the harness can boot; a cluster uses the first `controlPlanes` and the first `workers` of them. */
const CONTROL_PLANE_MACHINES: Machine[] = [1, 2, 3].map((i) => ({ name: `cp${i}`, address: `172.31.12.${10 + i}`, role: 'control-plane' }));
const WORKER_MACHINES: Machine[] = [1, 2, 3].map((i) => ({ name: `w${i}`, address: `172.31.12.${20 + i}`, role: 'worker' }));
/** The default cluster's control-plane nodes. */
export const CONTROL_PLANE = CONTROL_PLANE_MACHINES.slice(0, 2);

export interface OperatorClusterOptions {
  /** How many control-plane nodes (1 to 3; default 2). */
  controlPlanes?: number;
  /** How many worker nodes (0 to 3; default 0). */
  workers?: number;
}

export interface OperatorCluster {
  work: string;
  /** Every machine, control-plane nodes first in boot order (the first is the init node), then workers. */
  machines: Machine[];
  nodesFile: string;
  stateDir: string;
  nodes: TestNode[];
  /** The machine named `name`. */
  node(name: string): TestNode;
  /** Boots a machine's current first-boot files (dist/nodes/NAME/node.yaml) with `kgen-boot run`; throws unless it exits 0. */
  boot(name: string): Promise<ExecResult>;
  /** The machine dies and its disk is wiped: the kubelet stops, the root is emptied to a fresh image's (only its hostname). */
  killAndWipe(name: string): Promise<void>;
  /** Runs a program on the operator's seat. */
  exec(cmd: string, args: string[], options?: { timeoutMs?: number }): Promise<ExecResult>;
  /** Runs build/kgen.mjs on the operator's seat. */
  kgen(args: string[]): Promise<ExecResult>;
  /** Runs kubectl on the operator's seat. */
  kubectl(kubeconfig: string, args: string[]): Promise<ExecResult>;
  stop(): Promise<void>;
}

function inventory(machines: Machine[]): string {
  return toYaml({
    cluster: { name: CLUSTER_NAME, kubernetesVersion: 'v1.33.2', controlPlaneEndpoint: `${LB}:6443` },
    nodes: machines.map((n, i) => ({ name: n.name, role: n.role, address: n.address, ...(i === 0 ? { init: true } : {}) })),
  });
}

/** Renders, boots every control-plane node in turn, then the workers together; returns once each `kgen-boot run` exited 0. */
export async function startOperatorCluster(options: OperatorClusterOptions = {}): Promise<OperatorCluster> {
  const controlPlanes = CONTROL_PLANE_MACHINES.slice(0, options.controlPlanes ?? 2);
  const machines = [...controlPlanes, ...WORKER_MACHINES.slice(0, options.workers ?? 0)];
  await buildClusterPrograms([...HARNESS_PROGRAMS, API_SERVER, CONTROLLER_MANAGER]);
  const work = mkdtempSync(join(tmpdir(), 'kgen-operator-'));
  const nodesFile = join(work, 'nodes.yaml');
  writeFileSync(nodesFile, inventory(machines));
  const render = kgen(['render', '--nodes', nodesFile, '--out', join(work, 'dist')]);
  if (render.code !== 0) throw new Error(`kgen render exited ${render.code}: ${render.stderr}`);
  const nodes: TestNode[] = [];
  let fabric: Fabric | undefined;
  let seat: NetNamespace | undefined;
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.services.stop('kubelet').catch(() => undefined)));
    if (fabric) await destroyFabric(fabric);
    for (const n of nodes) n.remove();
    rmSync(work, { recursive: true, force: true });
  };
  const node = (name: string): TestNode => {
    const found = nodes.find((n) => n.name === name);
    if (!found) throw new Error(`no machine ${name} in this cluster (${nodes.map((n) => n.name).join(', ')})`);
    return found;
  };
  const boot = async (name: string): Promise<ExecResult> => {
    const target = node(name);
    prepareNodeImage(target.root, { nodeYaml: readFileSync(join(work, 'dist/nodes', name, 'node.yaml'), 'utf8') });
    const r = await target.runBoot(['run'], { timeoutMs: 600_000 });
    if (r.code !== 0) throw new Error(`kgen-boot run on ${name} exited ${r.code}:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-2000)}`);
    return r;
  };
  try {
    fabric = await createFabric();
    seat = await addNamespace(fabric, 'ops', SEAT);
    await startLoadBalancer(fabric, { address: LB, backends: controlPlanes.map((n) => n.address) });
    for (const spec of machines) nodes.push(await createTestNode(fabric, spec));
    for (const spec of controlPlanes) await boot(spec.name);
    await Promise.all(machines.filter((m) => m.role === 'worker').map((m) => boot(m.name)));
  } catch (err) {
    await stop();
    throw err;
  }
  const onSeat = (cmd: string, args: string[], opts: { timeoutMs?: number } = {}) => exec(seat!.ns, cmd, args, { timeoutMs: 120_000, ...opts });
  return {
    work,
    machines,
    nodesFile,
    stateDir: join(work, '.kgen'),
    nodes,
    node,
    boot,
    killAndWipe: async (name) => {
      const target = node(name);
      await target.services.stop('kubelet');
      rmSync(target.root, { recursive: true, force: true });
      mkdirSync(join(target.root, 'etc'), { recursive: true });
      writeFileSync(join(target.root, 'etc/hostname'), `${name}\n`);
    },
    exec: onSeat,
    kgen: (args) => onSeat(process.execPath, [KGEN, ...args]),
    kubectl: (kubeconfig, args) => onSeat('kubectl', ['--kubeconfig', kubeconfig, '--request-timeout=20s', ...args], { timeoutMs: 30_000 }),
    stop,
  };
}

/** `kgen kubeconfig admin` on the operator's seat, written into the cluster's work directory; returns its path. */
export async function adminKubeconfig(cluster: OperatorCluster): Promise<string> {
  const file = join(cluster.work, 'admin.conf');
  const r = await cluster.kgen(['kubeconfig', 'admin', '--nodes', cluster.nodesFile, '--out', file]);
  if (r.code !== 0) throw new Error(`kgen kubeconfig admin: ${r.stderr}`);
  return file;
}

/** kubectl on the seat, its stdout; rerun while the load balancer (no health checks) hands the connection to a dead backend. */
export async function kubectlThroughBalancer(cluster: OperatorCluster, kubeconfig: string, args: string[]): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const r = await cluster.kubectl(kubeconfig, args);
    if (r.code === 0) return r.stdout;
    if (attempt < 5 && /connection refused|connection reset|EOF|Unable to connect/.test(r.stderr)) continue;
    throw new Error(`kubectl ${args.join(' ')}: ${r.stderr.trim()}`);
  }
}

/** Polls until `check` holds; gives up (returning false) after `limitMs`, so a broken cluster fails the test instead of hanging. */
export async function eventually(check: () => Promise<boolean>, limitMs: number): Promise<boolean> {
  const end = Date.now() + limitMs;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return true;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return false;
}
