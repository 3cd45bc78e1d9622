// The replace bench for `npm run bench` (issue 12: the time from `kgen replace` to the replaced node Ready, no
// target yet): the operator's test cluster (test/operator/cluster.ts: 3 control-plane nodes and a worker on the
// one-machine harness, the operator on a seat of their own), then, for a control-plane node and for the worker in
// turn, the machine is killed and its disk wiped, `kgen replace` runs on the seat, the machine boots its new
// first-boot files (`kgen-boot run`) and kubectl polls until its Node is Ready again. Figures: the whole span,
// with `kgen replace` itself and the first boot named inside it.
import { join } from 'node:path';
import { startOperatorCluster, type OperatorCluster } from '../operator/cluster.js';
import { progress, s, skipReason, tail, type RecordRow } from './cluster.js';

const TARGETS = [
  { name: 'cp2', what: 'a joining control-plane node' },
  { name: 'w1', what: 'a worker' },
];
const ROW = (what: string) => `replace ${what} in a 3 control-plane + 1 worker test cluster: \`kgen replace\` of the dead, wiped machine to its Node Ready`;
/** A replaced node that is not Ready by then counts as a failed run. */
const READY_LIMIT_MS = 300_000;

async function nodeReady(cluster: OperatorCluster, kubeconfig: string, name: string): Promise<boolean> {
  const r = await cluster.kubectl(kubeconfig, ['get', 'node', name, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
  return r.code === 0 && r.stdout.trim() === 'True';
}

/** Kill, wipe, replace, boot, wait for Ready: milliseconds of each part. */
async function replaceOnce(cluster: OperatorCluster, kubeconfig: string, name: string): Promise<{ totalMs: number; replaceMs: number; bootMs: number }> {
  await cluster.killAndWipe(name);
  const started = Date.now();
  const r = await cluster.kgen(['replace', name, '--nodes', cluster.nodesFile, '--out', join(cluster.work, 'dist')]);
  if (r.code !== 0) throw new Error(`kgen replace ${name} exited ${r.code}:\n${tail(r.stderr)}`);
  const replaced = Date.now();
  await cluster.boot(name);
  const booted = Date.now();
  while (!(await nodeReady(cluster, kubeconfig, name))) {
    if (Date.now() - started > READY_LIMIT_MS) throw new Error(`${name} was not Ready ${s(READY_LIMIT_MS)} after kgen replace`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return { totalMs: Date.now() - started, replaceMs: replaced - started, bootMs: booted - replaced };
}

export async function benchReplace(record: RecordRow): Promise<void> {
  const reason = skipReason();
  if (reason) {
    for (const t of TARGETS) record(ROW(t.what), `skipped: ${reason}`, '', undefined);
    return;
  }
  let cluster: OperatorCluster | undefined;
  const pending = new Set(TARGETS.map((t) => t.what));
  try {
    progress('replace: starting the operator test cluster (3 control-plane nodes, 1 worker)');
    cluster = await startOperatorCluster({ controlPlanes: 3, workers: 1 });
    const kubeconfig = join(cluster.work, 'admin.conf');
    const admin = await cluster.kgen(['kubeconfig', 'admin', '--nodes', cluster.nodesFile, '--out', kubeconfig]);
    if (admin.code !== 0) throw new Error(`kgen kubeconfig admin exited ${admin.code}: ${tail(admin.stderr)}`);
    for (const t of TARGETS) {
      progress(`replace: ${t.name}`);
      const m = await replaceOnce(cluster, kubeconfig, t.name);
      record(ROW(t.what), `${s(m.totalMs)} (kgen replace ${s(m.replaceMs)}, kgen-boot run ${s(m.bootMs)}, then until Ready ${s(m.totalMs - m.replaceMs - m.bootMs)})`, '', undefined);
      pending.delete(t.what);
    }
  } catch (err) {
    for (const what of pending) record(ROW(what), `failed: ${(err as Error).message.split('\n')[0]}`, '', undefined);
  } finally {
    await cluster?.stop();
  }
}
