// `kgen validate --nodes FILE`: inventory validation alone, every problem at once as file:line:col.
import { EXIT_INVALID, EXIT_OK, parseFlags, UsageError, type Command } from '../command/command.js';
import { diskDeps, loadInventory } from '../inventory/load.js';
import { formatDiagnostic } from '../inventory/types.js';

export const validateCommand: Command = {
  name: 'validate',
  summary: 'check nodes.yaml and report every problem with its file, line and field',
  help: [
    'Usage: kgen validate --nodes FILE',
    '',
    'Checks the inventory (types, unknown fields, duplicates, subnets, versions, endpoint, ...) and prints',
    'every problem as `file:line:col path: message`. Writes nothing.',
    '',
    'Flags:',
    '  --nodes FILE   the inventory (required)',
    '',
    'Exit codes: 0 valid (warnings may be printed), 1 invalid.',
    '',
  ].join('\n'),
  async run(args, io) {
    const flags = parseFlags(args, { nodes: { type: 'string' } });
    if (!flags.nodes) throw new UsageError('--nodes FILE is required');
    const { inventory, diagnostics } = loadInventory(flags.nodes, { ...diskDeps, cwd: io.cwd });
    for (const d of diagnostics) io.stderr(`${formatDiagnostic(d)}\n`);
    if (!inventory) return EXIT_INVALID;
    const cp = inventory.nodes.filter((n) => n.role === 'control-plane').length;
    io.stdout(`${flags.nodes}: valid: cluster "${inventory.cluster.name}" ${inventory.cluster.kubernetesVersion}, ${cp} control-plane + ${inventory.nodes.length - cp} worker nodes\n`);
    return EXIT_OK;
  },
};
