// kgen-boot's command line (model: citty src/main.ts; kubeadm's `init` / `init phase <name>` commands):
// `main(argv, io, deps)` returns an exit code; only src/boot/main.ts (the bin) sets process.exitCode.
// Nothing here parses argv or touches the disk at import time, and only --version / --help are handled
// here: every other command lives in commands.ts, imported on demand so a cold start stays fast.
import { EXIT_INTERNAL, EXIT_OK, UsageError, type CliIO } from '../command/command.js';
import { buildInfo, formatBuildInfo } from './build-info.js';
import type { BootDeps } from './commands.js';
import { USAGE, reportUsageError } from './usage.js';

export type { BootDeps } from './commands.js';

const COMMANDS = new Set(['run', 'phase', 'phases', 'status', 'check-config', 'certs', 'reset']);

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
    if (err instanceof UsageError) return reportUsageError(io, err);
    io.stderr(`kgen-boot: ${(err as Error).message ?? String(err)}\n`);
    return EXIT_INTERNAL;
  }
}
