// `kgen render`: flags, then src/render.ts does the work; this module only prints.
import { dirname, join, resolve } from 'node:path';
import { EXIT_INVALID, EXIT_OK, parseFlags, UsageError, type CliIO, type Command } from '../command/command.js';
import { render, InventoryError, type RenderReport } from '../render.js';
import { formatDiagnostic } from '../inventory/types.js';
import { TARGET_LIMITS, type Target } from '../../generators/sizes.js';
import { BOOT_DIR } from '../../generators/boot-bundle.js';

const TARGETS = Object.keys(TARGET_LIMITS) as Target[];

export const renderCommand: Command = {
  name: 'render',
  summary: 'create or reuse the cluster secrets and write every node\'s boot artifacts',
  help: [
    'Usage: kgen render --nodes FILE [--out DIR] [--state DIR] [--target PLATFORM] [--reimage NODE]... [--json]',
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
    '  --json             print the result as JSON instead of a table',
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
      json: { type: 'boolean', default: false },
    });
    if (!flags.nodes) throw new UsageError('--nodes FILE is required');
    if (flags.target !== undefined && !TARGETS.includes(flags.target as Target)) {
      throw new UsageError(`--target "${flags.target}" is not one of ${TARGETS.join(', ')}`);
    }
    const nodesFile = flags.nodes;
    try {
      const report = await render(
        {
          nodesFile,
          cwd: io.cwd,
          outDir: resolve(io.cwd, flags.out),
          stateDir: resolve(io.cwd, flags.state ?? join(dirname(nodesFile), '.kgen')),
          target: flags.target as Target | undefined,
          reimage: flags.reimage,
        },
        { signal: io.signal },
      );
      if (flags.json) io.stdout(`${JSON.stringify(report, null, 2)}\n`);
      else printSummary(report, flags.out, io);
      for (const w of report.warnings) io.stderr(`warning: ${w}\n`);
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

function printSummary(report: RenderReport, out: string, io: CliIO): void {
  const rows = report.nodes.map((n) => [
    n.name,
    n.init ? 'control-plane (init)' : n.role,
    String(n.generation),
    String(n.userData.raw),
    String(n.userData.gzip),
    String(n.userData.base64),
  ]);
  const header = ['NODE', 'ROLE', 'GEN', 'USER-DATA', 'GZIP', 'BASE64'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 3 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  io.stdout(`${[line(header), ...rows.map(line)].join('\n')}\n`);
  if (report.stateCreated.length > 0) io.stdout(`\ncreated cluster secrets: ${report.stateCreated.length} files (back up the state directory)\n`);
  for (const t of report.newTokens) {
    io.stdout(`new bootstrap token ${t.id} for ${t.forNode}, valid until ${t.expiration}; register it in the running cluster: kubectl --kubeconfig admin.conf apply -f ${join(out, t.manifest)}\n`);
  }
  if (report.removed.length > 0) {
    // nodes/old-1/user-data -> nodes/old-1/, nodes/by-mac/<mac>/user-data -> nodes/by-mac/<mac>/, pxe/<mac>.ipxe as is
    const where = [...new Set(report.removed.map((p) => p.replace(/^(nodes\/(?:by-mac\/|by-uuid\/)?[^/]+\/).*$/, '$1')))];
    io.stdout(`removed ${report.removed.length} files an earlier render wrote for nodes, MACs or UUIDs no longer in the inventory: ${where.join(', ')}\n`);
  }
  const boot = report.bootFiles.map((f) => `${f.name} sha256 ${f.sha256}`).join(', ');
  io.stdout(`wrote ${report.nodes.length} nodes to ${out}/ (boot program in ${join(out, BOOT_DIR)}/: ${boot})\n`);
}
