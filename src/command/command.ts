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
}

export interface Command {
  name: string;
  /** One line for `kgen --help`. */
  summary: string;
  /** Full `kgen <name> --help` text: usage line, flags with defaults, an example. */
  help: string;
  run(args: string[], io: CliIO): Promise<number>;
}

/** A mistake in how the command was called: the CLI prints the message and the command's usage, exit 1. */
export class UsageError extends Error {}

/** node:util parseArgs with kgen's conventions: unknown flags and stray positionals are usage errors. */
export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
