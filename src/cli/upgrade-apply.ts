// `kgen upgrade apply`: runs the plan of `kgen upgrade plan` (src/upgrade/plan.ts) against the running cluster,
// one step after the other, and can be stopped and run again: the progress is in the state's upgrade.yaml
// (src/secrets/upgrade-progress.ts), and what the cluster reports decides what is left. The order is the only
// one the version skew policy allows, as kubeadm's `upgrade apply` then `upgrade node` on each machine
// (cmd/kubeadm/app/cmd/upgrade/apply.go): an etcd snapshot; the control-plane nodes one at a time; the
// cluster-wide configuration (src/upgrade/cluster-config.ts); the workers in batches (src/cli/upgrade-batch.ts).
// Before anything changes: the skew checks, the certificates within the upgrade window and the etcd members'
// health; any failure refuses the whole run with nothing changed.
import { join, resolve } from 'node:path';
import { EXIT_INVALID, EXIT_OK, parseFlags, UsageError, type CliIO, type Command } from '../command/command.js';
import { flagSeconds } from '../command/durations.js';
import { realClock } from '../clock.js';
import { InvalidInputError } from '../errors.js';
import { rfc3339 } from '../secrets/tokens.js';
import { readUpgradeProgress, UPGRADE_PROGRESS_FILE, writeUpgradeProgress, type UpgradeProgress } from '../secrets/upgrade-progress.js';
import { moveClusterConfiguration } from '../upgrade/cluster-config.js';
import { readClusterVersions } from '../upgrade/cluster-versions.js';
import { planUpgrade, type PlanStep } from '../upgrade/plan.js';
import { ACCESS_FLAGS, ACCESS_HELP, connectCluster, loadSite, withRights, type OperatorSite } from './cluster-access.js';
import { describeSnapshot } from './etcd.js';
import { etcdClientFor, saveSnapshot, stackedEtcdNodes } from './etcd-access.js';
import { runBatch, UpgradeStoppedError, type ApplyContext } from './upgrade-batch.js';
import { ApiError } from '../cluster/api-client.js';
import { EtcdError } from '../cluster/etcd-client.js';
import { checkUpgradeHealth } from './upgrade-health.js';
import { formatPlan, maxUnavailableFlag, UPGRADE_WINDOW_DEFAULT } from './upgrade-plan.js';

const HELP = [
  'Usage: kgen upgrade apply [--to VERSION] [--max-unavailable N] [--reimage-command \'CMD {name} {mac} {address}\']',
  '                          [--timeout DURATION] [--window DURATION] [--dry-run] [--yes] [--out DIR]',
  '                          [--nodes FILE] [--state DIR] [--kubeconfig FILE]',
  '',
  'Rolls the cluster to the inventory\'s cluster.kubernetesVersion by reimaging, in the order of `kgen upgrade plan`:',
  '  1. an etcd snapshot into the state directory (backups/), as `kgen etcd snapshot`;',
  '  2. each control-plane node in turn: drain and `kgen replace` it (re-rendered at the target), run the reimage',
  '     command (or say which machine to reimage and wait), wait until its Node is Ready at the target, every API',
  '     server answers and every etcd member is a healthy voting member;',
  '  3. kubeadm-config\'s ClusterConfiguration, kube-proxy and CoreDNS moved to the target;',
  '  4. the workers, --max-unavailable at a time, the same way.',
  'Refused with nothing changed when the skew policy forbids the move, a certificate or CA expires within',
  '--window, or an etcd member is unhealthy. Stops at the first failed step or check and says how to continue or',
  'roll back. The progress is kept in the state (upgrade.yaml): run the command again and it continues.',
  '',
  'Flags:',
  '  --to VERSION              target release; must be the inventory\'s cluster.kubernetesVersion (default: it)',
  '  --max-unavailable N       workers reimaged at once (default: 1)',
  '  --reimage-command CMD     run for each machine once it is out of the cluster and re-rendered; {name},',
  '                            {mac} and {address} are replaced (shell-quoted); exit 0 when the machine is',
  '                            booting its new first-boot files (e.g. a one-time PXE boot and power cycle)',
  '  --timeout DURATION        how long to wait for a reimaged batch to come back (default: 30m)',
  `  --window DURATION         refuse while a certificate or CA expires within this time (default: ${UPGRADE_WINDOW_DEFAULT})`,
  '  --dry-run                 print every step and write it would make; change nothing',
  '  --yes                     run the steps (without it, the plan is printed and nothing changes)',
  '  --out DIR                 where nodes are re-rendered (default: dist, as `kgen render`)',
  ...ACCESS_HELP,
  '',
  'Exit codes: 0 the cluster runs the target, 1 refused, stopped at a failed check (re-run to continue), invalid',
  'input or not confirmed, 2 internal error.',
  '',
  'Example:',
  '  kgen upgrade apply --yes --reimage-command \'ipmi-pxe-boot {mac}\'',
  '',
].join('\n');

/** The etcd snapshot before the first control-plane step, once per upgrade. */
async function snapshotOnce(ctx: ApplyContext): Promise<void> {
  const nodes = stackedEtcdNodes(ctx.site);
  if (!nodes || ctx.progress.snapshot) return;
  const file = join(ctx.site.state.dir, 'backups', `etcd-before-${ctx.target}-${rfc3339(ctx.now()).replace(/:/g, '')}.db`);
  if (ctx.dryRun) return ctx.say(`[upgrade/etcd] would save an etcd snapshot to ${file}`);
  const client = await etcdClientFor(ctx.site, nodes, ctx.now());
  try {
    const saved = await saveSnapshot(client, file);
    ctx.say(`[upgrade/etcd] ${describeSnapshot(saved)}`);
    ctx.progress.snapshot = { file, takenAt: rfc3339(ctx.now()) };
    writeUpgradeProgress(ctx.site.state.dir, ctx.progress);
  } finally {
    await client.close();
  }
}

/** The target: --to when it names the inventory's release, which is what replace renders nodes at. */
function targetOf(site: OperatorSite, to: string | undefined, nodesFile: string): string {
  const version = site.inventory.cluster.kubernetesVersion;
  if (to !== undefined && to !== version) {
    throw new InvalidInputError(`--to ${to}: ${nodesFile} says cluster.kubernetesVersion: ${version}; set it to ${to} first (reimaged nodes are rendered at the inventory's release)`);
  }
  return version;
}

async function apply(flags: ReturnType<typeof parseApplyFlags>, io: CliIO): Promise<number> {
  const now = new Date();
  const site = loadSite(flags, io, now);
  const target = targetOf(site, flags.to, flags.nodes);
  const dryRun = flags['dry-run'];
  const say = (line: string) => io.stdout(`${line}\n`);
  const access = await connectCluster(flags, io, now, site, dryRun ? { dryRun: say } : {});
  const previous = readUpgradeProgress(site.state.dir);
  if (previous && !previous.finishedAt && previous.target !== target) {
    throw new InvalidInputError(
      `an upgrade to ${previous.target} is in progress (${join(site.state.dir, UPGRADE_PROGRESS_FILE)}); finish it with --to ${previous.target} (and that version in ${flags.nodes}), or remove the file once the cluster is consistent again`,
    );
  }
  return withRights(access, async (api) => {
    const plan = planUpgrade(await readClusterVersions(api), site.inventory, target, flags.maxUnavailable);
    const health = await checkUpgradeHealth(site, api, now, flags.windowMs);
    io.stdout(formatPlan(plan, access.server, health));
    const resuming = previous && !previous.finishedAt ? previous : undefined;
    // A control-plane batch in flight has its member out or joining: its own wait checks etcd until it is back.
    const blocking = health.violations.filter((v) => !(resuming?.inFlight?.role === 'control-plane' && v.rule === 'etcd-health'));
    if (plan.violations.length > 0 || blocking.length > 0) {
      io.stderr('refusing to upgrade; nothing was changed\n');
      return EXIT_INVALID;
    }
    const reimages = plan.steps.filter((s): s is Extract<PlanStep, { kind: 'reimage' }> => s.kind === 'reimage');
    if (plan.steps.length === 0 && !resuming) return EXIT_OK;
    if (!flags.yes && !dryRun) {
      io.stderr('not confirmed: pass --yes to run these steps (or --dry-run to see every write first); nothing was changed\n');
      return EXIT_INVALID;
    }
    const progress: UpgradeProgress = resuming ?? { target, startedAt: rfc3339(now), upgraded: [] };
    const ctx: ApplyContext = {
      site,
      api,
      target,
      progress,
      dryRun,
      reimageCommand: flags['reimage-command'],
      timeoutMs: flags.timeoutMs,
      outDir: resolve(io.cwd, flags.out),
      nodesFile: flags.nodes,
      io,
      say,
      now: () => realClock.now(),
      sleep: (ms) => realClock.sleep(ms, io.signal),
    };
    if (!dryRun) writeUpgradeProgress(site.state.dir, progress);
    try {
      await runSteps(ctx, reimages);
    } catch (err) {
      if (!(err instanceof ApiError || err instanceof EtcdError) || (err instanceof ApiError && (err.status === 401 || err.status === 403))) throw err;
      throw new UpgradeStoppedError(`stopped: the cluster did not answer: ${err.message}; re-run \`kgen upgrade apply\` to continue where it stopped (${join(site.state.dir, UPGRADE_PROGRESS_FILE)})`, { cause: err });
    }
    if (dryRun) {
      say('dry run, nothing was changed');
      return EXIT_OK;
    }
    progress.finishedAt = rfc3339(ctx.now());
    writeUpgradeProgress(site.state.dir, progress);
    say(`[upgrade] The cluster runs ${target}: ${progress.upgraded.length} node(s) reimaged (${progress.upgraded.join(', ') || 'none'})`);
    return EXIT_OK;
  });
}

/** The steps in the only order the skew policy allows, a batch left in flight by an earlier run first. */
async function runSteps(ctx: ApplyContext, reimages: ReadonlyArray<Extract<PlanStep, { kind: 'reimage' }>>): Promise<void> {
  const { progress, api, target, dryRun, say } = ctx;
  if (reimages.length > 0 || progress.inFlight) await snapshotOnce(ctx);
  if (progress.inFlight) await runBatch(ctx, progress.inFlight.role, progress.inFlight.nodes);
  for (const step of reimages.filter((s) => s.role === 'control-plane')) await runBatch(ctx, 'control-plane', step.nodes);
  for (const line of await moveClusterConfiguration(api, target)) say(`[upgrade/cluster-config] ${line}`);
  if (!dryRun) progress.clusterConfigAt ??= rfc3339(ctx.now());
  for (const step of reimages.filter((s) => s.role === 'worker')) await runBatch(ctx, 'worker', step.nodes);
}

function parseApplyFlags(args: string[]) {
  const flags = parseFlags(args, {
    ...ACCESS_FLAGS,
    to: { type: 'string' },
    'max-unavailable': { type: 'string', default: '1' },
    'reimage-command': { type: 'string' },
    timeout: { type: 'string', default: '30m' },
    window: { type: 'string', default: UPGRADE_WINDOW_DEFAULT },
    'dry-run': { type: 'boolean', default: false },
    yes: { type: 'boolean', short: 'y', default: false },
    out: { type: 'string', default: 'dist' },
  });
  const template = flags['reimage-command'];
  if (template !== undefined && !template.includes('{name}') && !template.includes('{mac}') && !template.includes('{address}')) {
    throw new UsageError(`--reimage-command ${JSON.stringify(template)}: expected {name}, {mac} or {address} in it, to tell the machines apart`);
  }
  return {
    ...flags,
    maxUnavailable: maxUnavailableFlag(flags['max-unavailable']),
    timeoutMs: flagSeconds('timeout', flags.timeout) * 1000,
    windowMs: flagSeconds('window', flags.window) * 1000,
  };
}

export const applyCommand: Command = {
  name: 'upgrade apply',
  summary: 'roll the cluster to the target release by reimaging, resumable',
  help: HELP,
  run: (args, io) => apply(parseApplyFlags(args), io),
};
