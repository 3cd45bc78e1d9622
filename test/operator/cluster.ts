// A running cluster for the operator's commands, built the way an operator builds one: `kgen render` an
// inventory (two control-plane nodes behind a load balancer), then `kgen-boot run` on each node of the
// one-machine harness (test/cluster: netns, test kubelet, real etcd, test control plane). The operator's
// workstation is the init node's network namespace (it reaches the load balancer); kgen runs there with the
// inventory and the state `render` created.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toYaml } from '../../src/yaml.js';
import { HARNESS_PROGRAMS, buildClusterPrograms } from '../cluster/build-programs.js';
import { startLoadBalancer } from '../cluster/load-balancer.js';
import { createFabric, destroyFabric, type ExecResult, type Fabric } from '../cluster/netns.js';
import { createTestNode, type TestNode } from '../cluster/node.js';
import { prepareNodeImage } from '../cluster/node-image.js';
import { sourceExists } from '../cluster/programs.js';
import { KGEN, kgen } from '../helpers.js';

export const API_SERVER = 'test/controlplane/kube-apiserver-main.ts';
const CONTROLLER_MANAGER = 'test/controlplane/kube-controller-manager-main.ts';
export const canRun = sourceExists(API_SERVER) && sourceExists(CONTROLLER_MANAGER) && process.getuid?.() === 0;

export const CLUSTER_NAME = 'opscluster';
export const LB = '172.31.12.2';
export const CONTROL_PLANE = [
  { name: 'cp1', address: '172.31.12.11' },
  { name: 'cp2', address: '172.31.12.12' },
];

export interface OperatorCluster {
  work: string;
  nodesFile: string;
  stateDir: string;
  nodes: TestNode[];
  /** Runs build/kgen.mjs on the operator's seat (the init node's namespace). */
  kgen(args: string[]): Promise<ExecResult>;
  /** Runs kubectl on the operator's seat. */
  kubectl(kubeconfig: string, args: string[]): Promise<ExecResult>;
  stop(): Promise<void>;
}

function inventory(): string {
  return toYaml({
    cluster: { name: CLUSTER_NAME, kubernetesVersion: 'v1.33.2', controlPlaneEndpoint: `${LB}:6443` },
    nodes: CONTROL_PLANE.map((n, i) => ({ name: n.name, role: 'control-plane', address: n.address, ...(i === 0 ? { init: true } : {}) })),
  });
}

/** Renders, boots every control-plane node in turn and returns once each `kgen-boot run` exited 0. */
export async function startOperatorCluster(): Promise<OperatorCluster> {
  await buildClusterPrograms([...HARNESS_PROGRAMS, API_SERVER, CONTROLLER_MANAGER]);
  const work = mkdtempSync(join(tmpdir(), 'kgen-operator-'));
  const nodesFile = join(work, 'nodes.yaml');
  writeFileSync(nodesFile, inventory());
  const render = kgen(['render', '--nodes', nodesFile, '--out', join(work, 'dist')]);
  if (render.code !== 0) throw new Error(`kgen render exited ${render.code}: ${render.stderr}`);
  const nodes: TestNode[] = [];
  let fabric: Fabric | undefined;
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.services.stop('kubelet').catch(() => undefined)));
    if (fabric) await destroyFabric(fabric);
    for (const n of nodes) n.remove();
    rmSync(work, { recursive: true, force: true });
  };
  try {
    fabric = await createFabric();
    await startLoadBalancer(fabric, { address: LB, backends: CONTROL_PLANE.map((n) => n.address) });
    for (const spec of CONTROL_PLANE) {
      const node = await createTestNode(fabric, spec);
      nodes.push(node);
      prepareNodeImage(node.root, { nodeYaml: readFileSync(join(work, 'dist/nodes', spec.name, 'node.yaml'), 'utf8') });
      const r = await node.runBoot(['run'], { timeoutMs: 600_000 });
      if (r.code !== 0) throw new Error(`kgen-boot run on ${spec.name} exited ${r.code}:\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  const seat = nodes[0]!;
  return {
    work,
    nodesFile,
    stateDir: join(work, '.kgen'),
    nodes,
    kgen: (args) => seat.exec(process.execPath, [KGEN, ...args], { timeoutMs: 120_000 }),
    kubectl: (kubeconfig, args) => seat.exec('kubectl', ['--kubeconfig', kubeconfig, '--request-timeout=20s', ...args], { timeoutMs: 30_000 }),
    stop,
  };
}
