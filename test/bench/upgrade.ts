// The upgrade bench for `npm run bench` (docs/upgrades.md, `kgen upgrade apply`; no target yet): the operator's
// test cluster (test/operator/cluster.ts: 3 control-plane nodes and 3 workers at v1.33.2 on the one-machine
// harness, behind a round-robin load balancer without health checks, the operator on a seat of their own), then
// cluster.kubernetesVersion is changed to v1.34.1 and one uninterrupted
// `kgen upgrade apply --yes --max-unavailable 2 --reimage-command '<hook> {name}'` runs on the seat. The hook is
// the upgrade acceptance test's (test/operator/reimage-hook.ts): it kills the machine, wipes its disk and starts
// `kgen-boot run` on its re-rendered first-boot files. Meanwhile the seat GETs /readyz through the load balancer
// every 500 ms. Figures: the apply's wall time; per node, from the hook's call to its `kgen-boot run` exiting and
// to its new Node's Ready condition (its lastTransitionTime, whole seconds, read once at the end: a reimaged
// node registers a new Node object, so the time is its first Ready at the target); the longest time without an
// answer through the load balancer during the apply, with the answered and failed polls.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KGEN } from '../helpers.js';
import { adminKubeconfig, startOperatorCluster, type OperatorCluster } from '../operator/cluster.js';
import { startApiPoller, startReimageHook, type ApiPoller, type ReimageHook } from '../operator/reimage-hook.js';
import { progress, s, skipReason, tail, type RecordRow } from './cluster.js';

const FROM = 'v1.33.2';
const TO = 'v1.34.1';
const ALL = ['cp1', 'cp2', 'cp3', 'w1', 'w2', 'w3'];
const CLUSTER = '3 control-plane + 3 worker test cluster';
const ROWS = {
  apply: `upgrade a ${CLUSTER} ${FROM} -> ${TO}: one uninterrupted \`kgen upgrade apply --yes --max-unavailable 2\` with a reimage hook (kill, wipe, \`kgen-boot run\`), wall time`,
  nodes: `that upgrade per node: reimage-hook call to \`kgen-boot run\` exiting and to the new Node Ready at ${TO} (its Ready lastTransitionTime, whole seconds); the call's time from the apply's start`,
  api: 'that upgrade: the API through the load balancer during the apply (GET /readyz every 500 ms from the seat), longest time without an answer',
};

interface NodeObject {
  metadata: { name: string };
  status?: { nodeInfo?: { kubeletVersion?: string }; conditions?: Array<{ type: string; status: string; lastTransitionTime?: string }> };
}

/** Each Node's kubelet version and the time its Ready condition last became True (ms), from one kubectl. */
async function readyTimes(cluster: OperatorCluster, kubeconfig: string): Promise<Map<string, { version?: string; readyAt?: number }>> {
  const r = await cluster.kubectl(kubeconfig, ['get', 'nodes', '-o', 'json']);
  if (r.code !== 0) throw new Error(`kubectl get nodes exited ${r.code}: ${tail(r.stderr)}`);
  const items = (JSON.parse(r.stdout) as { items: NodeObject[] }).items;
  return new Map(
    items.map((n) => {
      const ready = n.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True');
      return [n.metadata.name, { version: n.status?.nodeInfo?.kubeletVersion, readyAt: ready?.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : undefined }];
    }),
  );
}

export async function benchUpgrade(record: RecordRow): Promise<void> {
  const reason = skipReason();
  if (reason) {
    for (const what of Object.values(ROWS)) record(what, `skipped: ${reason}`, '', undefined);
    return;
  }
  let cluster: OperatorCluster | undefined;
  let hook: ReimageHook | undefined;
  let poller: ApiPoller | undefined;
  const pending = new Set(Object.values(ROWS));
  const done = (what: string, figure: string) => {
    record(what, figure, '', undefined);
    pending.delete(what);
  };
  try {
    progress(`upgrade: starting the operator test cluster (3 control-plane nodes, 3 workers) at ${FROM}`);
    cluster = await startOperatorCluster({ controlPlanes: 3, workers: 3 });
    const kubeconfig = await adminKubeconfig(cluster);
    hook = await startReimageHook(cluster);
    const nodesYaml = readFileSync(cluster.nodesFile, 'utf8');
    writeFileSync(cluster.nodesFile, nodesYaml.replace(/kubernetesVersion: v\S+/, `kubernetesVersion: ${TO}`));

    progress(`upgrade: kgen upgrade apply to ${TO}`);
    poller = startApiPoller(cluster, cluster.exec);
    const started = Date.now();
    const apply = await cluster.exec(
      process.execPath,
      [KGEN, 'upgrade', 'apply', '--yes', '--max-unavailable', '2', '--reimage-command', `${hook.script} {name}`, '--nodes', cluster.nodesFile, '--out', join(cluster.work, 'dist')],
      { timeoutMs: 1_800_000 },
    );
    const elapsed = Date.now() - started;
    const gaps = await poller.stop();
    poller = undefined;
    if (apply.code !== 0) throw new Error(`kgen upgrade apply exited ${apply.code}:\n${tail(apply.stdout)}\n${tail(apply.stderr)}`);
    const summary = `[upgrade] The cluster runs ${TO}: 6 node(s) reimaged (${ALL.join(', ')})`;
    if (!apply.stdout.includes(summary)) throw new Error(`kgen upgrade apply did not print "${summary}":\n${tail(apply.stdout)}`);
    done(ROWS.apply, `${s(elapsed)} (reimage hook called for ${hook.calls.map((c) => c.name).join(', ')})`);
    done(ROWS.api, `${s(gaps.longestGapMs)}; ${gaps.answered} polls answered, ${gaps.failed} failed`);

    progress('upgrade: waiting for every kgen-boot run to exit');
    await Promise.all(hook.boots);
    const nodes = await readyTimes(cluster, kubeconfig);
    const perNode = hook.calls.map((call) => {
      const n = nodes.get(call.name);
      const boot = call.bootedAt === undefined ? 'kgen-boot run ?' : `kgen-boot run ${s(call.bootedAt - call.calledAt)}`;
      const ready =
        n?.readyAt === undefined || n.version !== TO ? `not Ready at ${TO} (kubelet ${n?.version ?? 'no Node'})` : `Ready ${((n.readyAt - call.calledAt) / 1000).toFixed(0)} s`;
      return `${call.name} at +${s(call.calledAt - started)}: ${boot}, ${ready}`;
    });
    done(ROWS.nodes, perNode.join('; '));
  } catch (err) {
    for (const what of pending) record(what, `failed: ${(err as Error).message.split('\n')[0]}`, '', undefined);
    console.error((err as Error).message);
  } finally {
    hook?.close();
    // Destroying the fabric kills a poller or kgen-boot still running.
    await cluster?.stop();
    await Promise.allSettled([...(hook?.boots ?? []), poller?.stop()]);
  }
}
