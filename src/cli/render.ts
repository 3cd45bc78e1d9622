// `kgen render`: flags, then src/render.ts does the work; this module only prints.
import { dirname, join, resolve } from 'node:path';
import { EXIT_INVALID, EXIT_OK, parseFlags, UsageError, type CliIO, type Command } from '../command/command.js';
import { render, InventoryError, type RenderReport } from '../render.js';
import { registerNewTokens, type TokenRegistration } from './render-tokens.js';
import { formatDiagnostic } from '../inventory/types.js';
import { TARGET_LIMITS, type Target } from '../../generators/sizes.js';
import { BOOT_DIR } from '../../generators/boot-bundle.js';

const TARGETS = Object.keys(TARGET_LIMITS) as Target[];

export const renderCommand: Command = {
  name: 'render',
  summary: 'create or reuse the cluster secrets and write every node\'s boot artifacts',
  help: [
    'Usage: kgen render --nodes FILE [--out DIR] [--state DIR] [--target PLATFORM] [--reimage NODE]... [--no-register] [--json]',
    '',
    'Reads the inventory, creates the cluster secrets on first use (CAs, service-account key, bootstrap token,',
    'certificate key) or reuses them, and writes for every node: user-data, meta-data, network-config, node.yaml',
    'and a NoCloud seed.iso under DIR/nodes/<name>/, plus DIR/nodes.json and the boot program DIR/kgen-boot.',
    'Existing secrets are never overwritten; the same inventory and state render byte-identical files.',
    '',
    'Flags:',
    '  --nodes FILE       the inventory (required)',
    '  --out DIR          output directory (default: dist)',
    '  --state DIR        cluster secrets directory (default: .kgen beside the inventory); back it up',
    `  --target PLATFORM  fail when a node's user-data exceeds the platform's limit: ${TARGETS.join(', ')}`,
    '  --reimage NODE     the machine is being reinstalled: new instance-id (cloud-init runs again) and, when the',
    '                     cluster token has expired, a fresh token for it; repeat for several nodes',
    '  --no-register      do not register fresh tokens in the running cluster (air-gapped: apply their manifests)',
    '  --json             print the result as JSON instead of a table',
    '',
    'A fresh token is registered in the running cluster at the inventory\'s controlPlaneEndpoint, with a short-lived',
    'admin certificate minted from the state (as `kgen token create`); its Secret manifest is also written to',
    'DIR/bootstrap-tokens/<id>.yaml. An unreachable cluster is a warning naming the manifest to apply, not an error.',
    '',
    'Files below DIR that an earlier render recorded as written (DIR/nodes.json) and this one does not write are',
    'removed; nothing else below DIR is. The state must not be inside DIR (DIR is served), nor the inventory inside',
    'DIR/nodes or DIR/pxe. One render at a time per state (a lock file beside it). On Ctrl-C (SIGINT) or SIGTERM the',
    'render stops, a new state is not kept and an existing one is unchanged.',
    '',
    'Exit codes: 0 done, 1 invalid input (inventory, state, flags, size limit, disk full or read-only, state locked),',
    '2 internal error, 130/143 interrupted by SIGINT/SIGTERM.',
    '',
    'Example:',
    '  kgen render --nodes examples/nodes.yaml --out dist',
    '',
  ].join('\n'),
  async run(args, io) {
    const flags = parseFlags(args, {
      nodes: { type: 'string' },
      out: { type: 'string', default: 'dist' },
      state: { type: 'string' },
      target: { type: 'string' },
      reimage: { type: 'string', multiple: true, default: [] },
      'no-register': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    });
    if (!flags.nodes) throw new UsageError('--nodes FILE is required');
    if (flags.target !== undefined && !TARGETS.includes(flags.target as Target)) {
      throw new UsageError(`--target "${flags.target}" is not one of ${TARGETS.join(', ')}`);
    }
    const nodesFile = flags.nodes;
    const stateDir = resolve(io.cwd, flags.state ?? join(dirname(nodesFile), '.kgen'));
    try {
      const report = await render(
        {
          nodesFile,
          cwd: io.cwd,
          outDir: resolve(io.cwd, flags.out),
          stateDir,
          target: flags.target as Target | undefined,
          reimage: flags.reimage,
        },
        { signal: io.signal },
      );
      const tokens: TokenRegistration[] = flags['no-register']
        ? report.newTokens.map((t) => ({ ...t, registered: false, problem: 'not registered (--no-register)' }))
        : await registerNewTokens(report.newTokens, { nodes: nodesFile, state: stateDir }, io);
      if (flags.json) io.stdout(`${JSON.stringify({ ...report, newTokens: tokens }, null, 2)}\n`);
      else printSummary(report, tokens, flags.out, io);
      for (const w of report.warnings) io.stderr(`warning: ${w}\n`);
      for (const t of tokens.filter((t) => !t.registered && !flags['no-register'])) {
        io.stderr(`warning: bootstrap token ${t.id} for ${t.forNode} is not registered in the cluster: ${t.problem}\n`);
      }
      return EXIT_OK;
    } catch (err) {
      if (err instanceof InventoryError) {
        for (const d of err.diagnostics) io.stderr(`${formatDiagnostic(d)}\n`);
        return EXIT_INVALID;
      }
      throw err;
    }
  },
};

/** Nodes rendered below the inventory's version, and why: the rollout has not reached them yet. */
function printHeldBack(report: RenderReport, io: CliIO): void {
  const target = report.kubernetesVersion;
  const kept = report.nodes.filter((n) => n.versionReason === 'kept' && n.kubernetesVersion !== target).map((n) => n.name);
  const waiting = report.nodes.filter((n) => n.versionReason === 'cluster-version');
  if (kept.length > 0) io.stdout(`\nkept at their version until reimaged (kgen replace NODE) at ${target}: ${kept.join(', ')}\n`);
  for (const n of waiting) io.stdout(`${n.name} renders at the cluster's ${n.kubernetesVersion}: a worker gets ${target} once every control-plane node runs it\n`);
}

function printSummary(report: RenderReport, tokens: TokenRegistration[], out: string, io: CliIO): void {
  const rows = report.nodes.map((n) => [
    n.name,
    n.init ? 'control-plane (init)' : n.role,
    String(n.generation),
    n.kubernetesVersion,
    String(n.userData.raw),
    String(n.userData.gzip),
    String(n.userData.base64),
  ]);
  const header = ['NODE', 'ROLE', 'GEN', 'VERSION', 'USER-DATA', 'GZIP', 'BASE64'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 4 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  io.stdout(`${[line(header), ...rows.map(line)].join('\n')}\n`);
  printHeldBack(report, io);
  if (report.stateCreated.length > 0) io.stdout(`\ncreated cluster secrets: ${report.stateCreated.length} files (back up the state directory)\n`);
  for (const t of tokens) {
    const where = t.registered
      ? `registered in the cluster (its manifest ${join(out, t.manifest)} is kept for air-gapped use)`
      : `register it in the running cluster: kubectl --kubeconfig admin.conf apply -f ${join(out, t.manifest)}`;
    io.stdout(`new bootstrap token ${t.id} for ${t.forNode}, valid until ${t.expiration}; ${where}\n`);
  }
  if (report.removed.length > 0) {
    // nodes/old-1/user-data -> nodes/old-1/, nodes/by-mac/<mac>/user-data -> nodes/by-mac/<mac>/, pxe/<mac>.ipxe as is
    const where = [...new Set(report.removed.map((p) => p.replace(/^(nodes\/(?:by-mac\/|by-uuid\/)?[^/]+\/).*$/, '$1')))];
    io.stdout(`removed ${report.removed.length} files an earlier render wrote for nodes, MACs or UUIDs no longer in the inventory: ${where.join(', ')}\n`);
  }
  const boot = report.bootFiles.map((f) => `${f.name} sha256 ${f.sha256}`).join(', ');
  io.stdout(`wrote ${report.nodes.length} nodes to ${out}/ (boot program in ${join(out, BOOT_DIR)}/: ${boot})\n`);
}
