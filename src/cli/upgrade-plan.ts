// `kgen upgrade plan`: what the running cluster reports, the target release, the version skew checks, the
// certificates expiring within the upgrade window, the etcd members' health (src/cli/upgrade-health.ts) and the
// ordered reimage steps (src/upgrade/plan.ts), printed as kubeadm's `upgrade plan` prints its table
// (cmd/kubeadm/app/cmd/upgrade/plan.go) or as JSON. Read-only: nothing in the cluster or the state changes.
import { EXIT_INVALID, EXIT_OK, parseFlags, UsageError, type Command } from '../command/command.js';
import { flagSeconds } from '../command/durations.js';
import { tabwriterTable } from '../command/table.js';
import { readClusterVersions } from '../upgrade/cluster-versions.js';
import { planUpgrade, type UpgradePlan } from '../upgrade/plan.js';
import { SKEW_POLICY_URL } from '../upgrade/skew.js';
import { ACCESS_FLAGS, ACCESS_HELP, connectCluster, loadSite } from './cluster-access.js';
import { checkUpgradeHealth, type UpgradeHealth } from './upgrade-health.js';

/** How far ahead a certificate's expiry blocks an upgrade: a rollout of a few machines, with room to spare. */
export const UPGRADE_WINDOW_DEFAULT = '168h';

export function maxUnavailableFlag(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--max-unavailable ${JSON.stringify(value)}: expected a whole number >= 1`);
  return n;
}

export function formatPlan(plan: UpgradePlan, server: string, health: UpgradeHealth): string {
  const lines = [
    `[upgrade/config] Read the cluster's versions from ${server}`,
    `[upgrade/versions] Cluster version: ${plan.clusterVersion ?? 'unknown (no kube-apiserver pod reports one)'}`,
    `[upgrade/versions] Target version: ${plan.target}`,
    '',
    tabwriterTable(['COMPONENT', 'NODE', 'CURRENT', 'TARGET'], plan.rows.map((r) => [r.component, r.node, r.current, r.target])),
  ];
  for (const w of plan.warnings) lines.push(`[upgrade/versions] WARNING: ${w}`);
  for (const l of health.lines) lines.push(`[upgrade/health] ${l}`);
  for (const v of health.violations) lines.push(`[upgrade/health] REFUSED (${v.rule}): ${v.message}`);
  if (plan.violations.length > 0) {
    for (const v of plan.violations) lines.push(`[upgrade/policy] REFUSED (${v.rule}): ${v.message}`);
    lines.push(`[upgrade/policy] See the version skew policy: ${SKEW_POLICY_URL}`, '');
    return lines.join('\n');
  }
  if (health.violations.length > 0) return [...lines, ''].join('\n');
  lines.push(`[upgrade/policy] The version skew policy allows the upgrade to ${plan.target}`);
  if (plan.steps.length === 0) {
    lines.push('', `Nothing to do: every component already runs ${plan.target}.`, '');
    return lines.join('\n');
  }
  lines.push('', 'Steps, in this order (one machine at a time for the control plane):');
  plan.steps.forEach((s, i) => lines.push(`  ${i + 1}. ${s.description}`));
  lines.push('');
  return lines.join('\n');
}

export const planCommand: Command = {
  name: 'upgrade plan',
  summary: 'versions the cluster runs, the skew checks and the steps to a target release',
  help: [
    'Usage: kgen upgrade plan [--to VERSION] [--max-unavailable N] [--window DURATION] [--json] [--nodes FILE] [--state DIR] [--kubeconfig FILE]',
    '',
    'Reads what the running cluster reports (each kube-apiserver, kube-controller-manager, kube-scheduler and',
    'etcd static pod\'s image, each Node\'s kubelet version, kube-proxy and CoreDNS) and checks a move to the',
    'target against the version skew policy: the control plane moves one minor version at a time, API servers',
    'stay within one minor of each other, no kubelet is left more than three minors behind. Then it lists the',
    'rollout by reimaging: etcd snapshot, control-plane nodes one at a time, the cluster-wide configuration,',
    'workers in batches. Also checked: no certificate the control plane presents and no CA of the state expires',
    'within --window, and every etcd member is a healthy voting member. Nothing changes.',
    '',
    'Flags:',
    '  --to VERSION         target release (default: the inventory\'s cluster.kubernetesVersion)',
    '  --max-unavailable N  workers reimaged at once (default: 1)',
    `  --window DURATION    refuse while a certificate or CA expires within this time (default: ${UPGRADE_WINDOW_DEFAULT})`,
    '  --json               print the plan as JSON',
    ...ACCESS_HELP,
    '',
    'Exit codes: 0 the plan is allowed (or nothing to do), 1 refused (skew policy, expiring certificates, etcd health) or invalid input',
    '(inventory, state, flags, unreachable cluster), 2 internal error.',
    '',
  ].join('\n'),
  async run(args, io) {
    const flags = parseFlags(args, {
      ...ACCESS_FLAGS,
      to: { type: 'string' },
      'max-unavailable': { type: 'string', default: '1' },
      window: { type: 'string', default: UPGRADE_WINDOW_DEFAULT },
      json: { type: 'boolean', default: false },
    });
    const maxUnavailable = maxUnavailableFlag(flags['max-unavailable']);
    const windowMs = flagSeconds('window', flags.window) * 1000;
    const now = new Date();
    const access = await connectCluster(flags, io, now);
    const site = access.site ?? loadSite(flags, io, now);
    const plan = planUpgrade(await readClusterVersions(access.client), site.inventory, flags.to ?? site.inventory.cluster.kubernetesVersion, maxUnavailable);
    const health = await checkUpgradeHealth(site, access.client, now, windowMs);
    io.stdout(flags.json ? `${JSON.stringify({ ...plan, health }, null, 2)}\n` : formatPlan(plan, access.server, health));
    return plan.violations.length > 0 || health.violations.length > 0 ? EXIT_INVALID : EXIT_OK;
  },
};
