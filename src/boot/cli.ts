// kgen-boot's command line (model: citty src/main.ts; kubeadm's `init` / `init phase <name>` commands):
// `main(argv, io, deps)` returns an exit code; only src/boot/main.ts (the bin) sets process.exitCode.
// Nothing here parses argv or touches the disk at import time, and only --version / --help are handled
// here: every other command lives in commands.ts, imported on demand so a cold start stays fast.
import { EXIT_INTERNAL, EXIT_INVALID, EXIT_OK, UsageError, type CliIO } from '../cli/command.js';
import { buildInfo, formatBuildInfo } from './build-info.js';
import { DEFAULT_NODE_CONFIG, EXIT_PHASE_FAILED, STATUS_FILE } from './constants.js';
import type { BootDeps } from './commands.js';

export type { BootDeps } from './commands.js';


export const USAGE = `kgen-boot: bring this machine into its Kubernetes cluster on first boot.

Usage:
  kgen-boot run [--config ${DEFAULT_NODE_CONFIG}] [--root /] [--dry-run]
  kgen-boot phase NAME [--config ${DEFAULT_NODE_CONFIG}] [--root /] [--dry-run]
  kgen-boot phases [--role init|control-plane-join|worker] [--config ${DEFAULT_NODE_CONFIG}] [--root /]
  kgen-boot status [--json] [--root /]
  kgen-boot check-config [--config ${DEFAULT_NODE_CONFIG}] [--root /]
  kgen-boot --version
  kgen-boot --help

Commands:
  run            run every phase for this node's role; phases completed by an earlier run are skipped
  phase NAME     run one phase and its children (NAME or PARENT/CHILD, e.g. certs/apiserver)
  phases         print the phase tree for this node's role (or for --role)
  status         print the phases recorded in ${STATUS_FILE}
  check-config   read and validate node.yaml and print a summary (no secrets)

Flags:
  --config PATH  node config, a path on the node (resolved under --root) (default ${DEFAULT_NODE_CONFIG})
  --root DIR     directory every node path is resolved under (default /)
  --dry-run      print what would be written, run and sent instead of doing it
  --json         status as JSON

Exit codes: 0 done, 1 invalid input (flags, node.yaml), 2 internal error, ${EXIT_PHASE_FAILED} a phase failed.

Example:
  kgen-boot phase certs/apiserver --dry-run
`;

const COMMANDS = new Set(['run', 'phase', 'phases', 'status', 'check-config']);

export async function main(argv: string[], io: CliIO, deps: BootDeps = {}): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case '--version':
      case 'version':
        io.stdout(formatBuildInfo(await buildInfo(deps.programUrl ?? import.meta.url, deps.nodeVersion ?? process.version)) + '\n');
        return EXIT_OK;
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        io.stdout(USAGE);
        return EXIT_OK;
      default: {
        if (!COMMANDS.has(command)) throw new UsageError(`unknown command "${command}"`);
        if (rest.includes('--help') || rest.includes('-h')) {
          io.stdout(USAGE);
          return EXIT_OK;
        }
        const { runCommand } = await import('./commands.js');
        return await runCommand(command, rest, io, deps);
      }
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`kgen-boot: ${err.message}\n\n${USAGE}`);
      return EXIT_INVALID;
    }
    io.stderr(`kgen-boot: ${(err as Error).message ?? String(err)}\n`);
    return EXIT_INTERNAL;
  }
}
