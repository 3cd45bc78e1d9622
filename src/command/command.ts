// The shape every `kgen` subcommand has (model: citty src/main.ts): `run(args, io)` returns an exit code;
// only src/cli/bin.ts sets process.exitCode. Nothing here parses argv or touches the disk at import time.
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Exit codes: 0 done, 1 invalid input (inventory, flags), 2 internal error. */
export const EXIT_OK = 0;
export const EXIT_INVALID = 1;
export const EXIT_INTERNAL = 2;

export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Working directory relative paths resolve against. */
  cwd: string;
  /** Aborted on SIGINT/SIGTERM; long-running commands (serve) stop when it fires. */
  signal?: AbortSignal;
  /** stdout is a terminal: commands that emit credentials refuse to print there unless asked to. */
  stdoutIsTerminal?: boolean;
}

export interface Command {
  name: string;
  /** One line for `kgen --help`. */
  summary: string;
  /** Full `kgen <name> --help` text: usage line, flags with defaults, an example. */
  help: string;
  run(args: string[], io: CliIO): Promise<number>;
  /** A command group (`kgen token create`): the first argument picks one; `run` handles the rest (usage). */
  subcommands?: readonly Command[];
}

/**
 * A group of subcommands sharing a name (kubeadm's `token create|list|delete`): `kgen token` alone, or an
 * unknown subcommand, is a usage error listing them. Subcommand names are "<group> <sub>".
 */
export function commandGroup(name: string, summary: string, subcommands: readonly Command[]): Command {
  const width = Math.max(...subcommands.map((c) => c.name.length));
  const help = [
    `Usage: kgen ${name} <command> [flags]`,
    '',
    `${summary[0]!.toUpperCase()}${summary.slice(1)}.`,
    '',
    'Commands:',
    ...subcommands.map((c) => `  kgen ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    `Run \`kgen ${name} <command> --help\` for a command's flags.`,
    '',
  ].join('\n');
  return {
    name,
    summary,
    help,
    subcommands,
    async run(args) {
      throw new UsageError(args[0] === undefined ? `kgen ${name} needs a command` : `unknown command "${name} ${args[0]}"`);
    },
  };
}

/** A mistake in how the command was called: the CLI prints the message and the command's usage, exit 1. */
export class UsageError extends Error {}

/** node:util parseArgs with kgen's conventions: unknown flags and stray positionals are usage errors. */
export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T) {
  return parseFlagsAndArguments(args, options, false).values;
}

/** As parseFlags, for commands that take arguments too (`kgen token delete ID...`). */
export function parseFlagsAndArguments<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, allowPositionals = true) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
