// One batch of `kgen upgrade apply`: control-plane nodes one at a time, workers --max-unavailable at a time.
// Each goes through three stages, recorded in the state's upgrade.yaml (src/secrets/upgrade-progress.ts) so a
// re-run resumes at the stage it stopped in:
//   1. replaced: the replace steps (src/cli/replace-steps.ts: health and quorum, the Node's drain and removal,
//      kubeadm-certs, re-render at the inventory's release, the join token); the etcd member is only noted;
//   2. reimage-started: the reimage hook ran for every node of the batch (or the operator was told which machine
//      to reimage), then the noted etcd members are removed. Unlike `kgen replace` of a dead machine, these nodes
//      still serve until they are reimaged: without its member a node's API server fails every request, and a
//      load balancer without health checks keeps sending it connections. The removal is by the noted member ID,
//      so a member the reimaged machine already added for itself is never touched;
//   3. back: every node of the batch is Ready with a kubelet at the target, and for a control-plane batch every
//      API server answers /readyz and every etcd member is a healthy voting member.
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { ApiClient } from '../cluster/api-client.js';
import { memberIdHex, type EtcdClient } from '../cluster/etcd-client.js';
import { getNode, isReady } from '../cluster/node-removal.js';
import type { CliIO } from '../command/command.js';
import { InvalidInputError } from '../errors.js';
import type { NodeSpec } from '../inventory/types.js';
import { rfc3339 } from '../secrets/tokens.js';
import { writeUpgradeProgress, type InFlightBatch, type UpgradeProgress } from '../secrets/upgrade-progress.js';
import type { OperatorSite } from './cluster-access.js';
import { etcdClientFor, stackedEtcdNodes } from './etcd-access.js';
import { checkHealth, earlierRender, refreshKubeadmCerts, registerToken, removeNode, renderNode, type ReplaceContext, type StepReport } from './replace-steps.js';
import { apiServersNotReady, etcdHealthReport } from './upgrade-health.js';

/** How often the wait for a reimaged node looks again. */
const POLL_MS = 5000;

export interface ApplyContext {
  site: OperatorSite;
  api: ApiClient;
  target: string;
  progress: UpgradeProgress;
  dryRun: boolean;
  /** `CMD {name} {mac} {address}`, run through sh; undefined: the operator reimages by hand. */
  reimageCommand?: string;
  /** How long a run waits for a batch to come back after its reimage started. */
  timeoutMs: number;
  outDir: string;
  nodesFile: string;
  io: CliIO;
  say(line: string): void;
  now(): Date;
  sleep(ms: number): Promise<void>;
}

/** The rollout stopped at a failed check or step; the message says how to continue or roll back. Exit 1. */
export class UpgradeStoppedError extends InvalidInputError {}

function save(ctx: ApplyContext): void {
  if (!ctx.dryRun) writeUpgradeProgress(ctx.site.state.dir, ctx.progress);
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The hook's command line for `node`: {name}, {mac} and {address} replaced by the node's values, shell-quoted. */
export function hookCommand(template: string, node: NodeSpec): string {
  const values: Record<string, string> = { name: node.name, mac: node.mac ?? '', address: node.address };
  return template.replace(/\{(name|mac|address)\}/g, (_, key: string) => shellQuote(values[key]!));
}

function runHook(ctx: ApplyContext, command: string): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn('sh', ['-c', command], { cwd: ctx.io.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d: Buffer) => ctx.io.stdout(d.toString()));
    child.stderr.on('data', (d: Buffer) => ctx.io.stderr(d.toString()));
    child.on('error', fail);
    child.on('close', (code, signal) => done(code ?? (signal ? 128 : 1)));
  });
}

function rollbackHint(ctx: ApplyContext, batch: InFlightBatch): string {
  return (
    `re-run \`kgen upgrade apply\` to continue (it resumes with ${batch.nodes.join(', ')}); ` +
    `to roll back instead, set cluster.kubernetesVersion in ${ctx.nodesFile} back to the cluster's version, \`kgen replace\` and reimage the nodes already upgraded ` +
    `(${ctx.progress.upgraded.join(', ') || 'none yet'}) and those in flight, and remove ${resolve(ctx.site.state.dir, 'upgrade.yaml')}` +
    (ctx.progress.snapshot ? `; the etcd snapshot taken before the first step is ${ctx.progress.snapshot.file}` : '')
  );
}

/**
 * Stage 1: the replace steps for each node of the batch (each idempotent, so a re-run after a failure continues);
 * returns the etcd member ID of each control-plane node, removed in stage 2.
 */
async function replaceNodes(ctx: ApplyContext, nodes: NodeSpec[]): Promise<Record<string, string>> {
  const members: Record<string, string> = {};
  for (const node of nodes) {
    const controlPlanes = stackedEtcdNodes(ctx.site);
    const others = node.role === 'control-plane' ? controlPlanes?.filter((n) => n.name !== node.name) : undefined;
    const etcd: EtcdClient | undefined = others && others.length > 0 ? await etcdClientFor(ctx.site, others, ctx.now(), { attempts: 3 }) : undefined;
    const rc: ReplaceContext = {
      site: ctx.site,
      node,
      api: ctx.api,
      etcd,
      now: ctx.now(),
      dryRun: ctx.dryRun,
      force: false,
      drain: true,
      outDir: ctx.outDir,
      nodesFile: ctx.nodesFile,
      cwd: ctx.io.cwd,
    };
    const print = (r: StepReport | undefined) => r && ctx.say(`[upgrade/replace] ${node.name} ${r.step}: ${r.detail}`);
    try {
      const { report, removal } = await checkHealth(rc);
      print(report);
      if (removal?.target) members[node.name] = removal.target.id;
      const earlier = await earlierRender(rc);
      print(await removeNode(rc));
      print(await refreshKubeadmCerts(rc));
      print((await renderNode(rc, earlier)).report);
      print(await registerToken(rc));
    } finally {
      await etcd?.close();
    }
  }
  return members;
}

/** Stage 2, after the reimage started: the batch's old etcd members go, by ID (gone already counts as removed). */
async function removeOldMembers(ctx: ApplyContext, batch: InFlightBatch): Promise<void> {
  const old = Object.entries(batch.etcdMembers ?? {});
  const controlPlanes = stackedEtcdNodes(ctx.site);
  if (old.length === 0 || !controlPlanes) return;
  const others = controlPlanes.filter((n) => !batch.nodes.includes(n.name));
  const etcd = await etcdClientFor(ctx.site, others, ctx.now(), { attempts: 3 });
  try {
    for (const [name, id] of old) {
      if (!ctx.dryRun) await etcd.remove(id);
      ctx.say(`[upgrade/etcd] ${ctx.dryRun ? 'would remove' : 'removed'} the etcd member ${memberIdHex(id)} of ${name}'s old machine`);
    }
  } finally {
    await etcd.close();
  }
}

/** Stage 2: the reimage hook for each node, or the operator is told what to reimage. */
async function startReimage(ctx: ApplyContext, nodes: NodeSpec[]): Promise<void> {
  for (const node of nodes) {
    if (ctx.reimageCommand === undefined) {
      const seed = join(ctx.outDir, 'nodes', node.name, 'seed.iso');
      ctx.say(`[upgrade/reimage] ${ctx.dryRun ? 'would ask to reimage' : 'Reimage'} ${node.name} (${node.address}${node.mac ? `, ${node.mac}` : ''}) now: boot it from ${seed} or over PXE from the rendered tree`);
      continue;
    }
    const command = hookCommand(ctx.reimageCommand, node);
    if (ctx.dryRun) {
      ctx.say(`[upgrade/reimage] would run: ${command}`);
      continue;
    }
    ctx.say(`[upgrade/reimage] ${node.name}: running ${command}`);
    const code = await runHook(ctx, command);
    if (code !== 0) throw new UpgradeStoppedError(`the reimage command for ${node.name} exited ${code}: ${command}; ${rollbackHint(ctx, ctx.progress.inFlight!)}`);
  }
}

/** Why the batch is not back yet (empty: it is): Nodes missing, not Ready or at another version; the control plane's health. */
async function notBackYet(ctx: ApplyContext, batch: InFlightBatch, nodes: NodeSpec[]): Promise<string[]> {
  const why: string[] = [];
  for (const node of nodes) {
    const n = await getNode(ctx.api, node.name);
    const version = (n as { status?: { nodeInfo?: { kubeletVersion?: string } } } | undefined)?.status?.nodeInfo?.kubeletVersion;
    // The Node was deleted when the batch was replaced: one created before that is the old machine's.
    if (!n || Date.parse(n.metadata.creationTimestamp ?? '') < Date.parse(batch.since)) why.push(`Node ${node.name} has not registered again`);
    else if (!isReady(n)) why.push(`Node ${node.name} is not Ready`);
    else if (version !== ctx.target) why.push(`Node ${node.name} runs kubelet ${version ?? 'of unknown version'}, not ${ctx.target}`);
  }
  if (batch.role !== 'control-plane' || why.length > 0) return why;
  const controlPlanes = ctx.site.inventory.nodes.filter((n) => n.role === 'control-plane');
  for (const down of await apiServersNotReady(ctx.site, controlPlanes, ctx.now())) why.push(`API server of ${down} is not ready`);
  const etcd = await etcdHealthReport(ctx.site, ctx.now());
  for (const v of etcd.violations) why.push(v.message);
  const voting = etcd.lines.filter((l) => / voting, healthy$/.test(l)).length;
  if (stackedEtcdNodes(ctx.site) && voting < controlPlanes.length) why.push(`${voting} of ${controlPlanes.length} etcd members are healthy voting members`);
  return why;
}

/** Stage 3: waits until the batch is back at the target and the control plane is healthy, or stops after the timeout. */
async function waitUntilBack(ctx: ApplyContext, batch: InFlightBatch, nodes: NodeSpec[]): Promise<void> {
  if (ctx.dryRun) {
    ctx.say(`[upgrade/wait] would wait until ${batch.nodes.join(', ')} ${batch.nodes.length > 1 ? 'are' : 'is'} Ready at ${ctx.target}${batch.role === 'control-plane' ? ', every API server ready and every etcd member a healthy voter' : ''}`);
    return;
  }
  const deadline = ctx.now().getTime() + ctx.timeoutMs;
  let last = '';
  for (;;) {
    const why = await notBackYet(ctx, batch, nodes).catch((err: unknown) => [`the cluster did not answer: ${(err as Error).message}`]);
    if (why.length === 0) return;
    const summary = why.join('; ');
    if (summary !== last) ctx.say(`[upgrade/wait] waiting: ${summary}`);
    last = summary;
    if (ctx.now().getTime() >= deadline) {
      throw new UpgradeStoppedError(`stopped: ${summary} (waited ${Math.round(ctx.timeoutMs / 60000)} minutes); ${rollbackHint(ctx, batch)}`);
    }
    await ctx.sleep(POLL_MS);
  }
}

/** Runs (or resumes) one batch through its three stages, recording each in the progress. */
export async function runBatch(ctx: ApplyContext, role: InFlightBatch['role'], names: string[]): Promise<void> {
  const nodes = names.map((name) => ctx.site.inventory.nodes.find((n) => n.name === name)!);
  let batch = ctx.progress.inFlight;
  if (batch === undefined) {
    ctx.say(`[upgrade/${role}] ${names.join(', ')}: drain, replace, reimage at ${ctx.target}`);
    // Noted before the first change: a Node deleted by a run that then stopped is out of the plan of the next run.
    batch = { role, nodes: names, stage: 'replacing', since: rfc3339(ctx.now()) };
    ctx.progress.inFlight = batch;
    save(ctx);
  } else {
    ctx.say(`[upgrade/${role}] resuming ${names.join(', ')} (${batch.stage} at ${batch.since})`);
  }
  if (batch.stage === 'replacing') {
    const etcdMembers = await replaceNodes(ctx, nodes);
    if (Object.keys(etcdMembers).length > 0) batch.etcdMembers = etcdMembers;
    batch.stage = 'replaced';
    batch.since = rfc3339(ctx.now());
    save(ctx);
  }
  if (batch.stage === 'replaced') {
    await startReimage(ctx, nodes);
    batch.stage = 'reimage-started';
    save(ctx);
  }
  await removeOldMembers(ctx, batch);
  await waitUntilBack(ctx, batch, nodes);
  ctx.say(`[upgrade/${role}] ${names.join(', ')} ${names.length > 1 ? 'are' : 'is'} back at ${ctx.target}`);
  ctx.progress.upgraded.push(...names);
  ctx.progress.inFlight = undefined;
  save(ctx);
}
