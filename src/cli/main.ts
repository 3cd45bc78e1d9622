// kgen's command dispatcher (model: citty src/main.ts). `main(argv, io)` returns the exit code; only
// src/cli/bin.ts touches process. A UsageError prints the message and the command's help (exit 1), an
// InvalidInputError its message (exit 1), a file system error of the operator's environment (ENOSPC, EROFS,
// EISDIR, EACCES, ...: src/errors.ts) the file and the cause (exit 1); any other error its message and
// causes (exit 2). Every printed line is cut to a bounded length. Nothing runs at import time.
import { EXIT_INTERNAL, EXIT_INVALID, EXIT_OK, UsageError, type CliIO, type Command } from '../command/command.js';
import { renderCommand } from './render.js';
import { validateCommand } from './validate.js';
import { serveCommand } from '../serve/command.js';
import { imageCommand } from './image.js';
import { kubeconfigCommand } from './kubeconfig.js';
import { tokenCommand } from './token.js';
import { certsCommand } from './certs.js';
import { upgradeCommand } from './upgrade.js';
import { replaceCommand } from './replace.js';
import { etcdCommand } from './etcd.js';
import { VERSION } from '../version.js';
import { environmentError, InterruptedError, InvalidInputError, shorten } from '../errors.js';
import { quote } from '../inventory/excerpt.js';

export const COMMANDS: readonly Command[] = [renderCommand, validateCommand, serveCommand, imageCommand, kubeconfigCommand, tokenCommand, certsCommand, upgradeCommand, replaceCommand, etcdCommand];

function topHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'kgen: render once, boot many. Turns one nodes.yaml into first-boot artifacts for every machine of a Kubernetes cluster.',
    '',
    'Usage: kgen <command> [flags]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Flags:',
    '  -h, --help     show help (also: kgen <command> --help)',
    '  --version      print the version',
    '',
    'Example:',
    '  kgen render --nodes nodes.yaml',
    '',
  ].join('\n');
}

/** Error message with its cause chain, one line each; never includes stacks (or secrets). */
function describeError(err: unknown): string {
  const lines: string[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && depth < 5; depth++) {
    lines.push(shorten(e instanceof Error ? e.message : String(e)));
    e = e instanceof Error ? e.cause : undefined;
  }
  return lines.join('\n  caused by: ');
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    io.stdout(topHelp());
    return name === undefined ? EXIT_INVALID : EXIT_OK;
  }
  if (name === '--version' || name === 'version') {
    io.stdout(`kgen ${VERSION}\n`);
    return EXIT_OK;
  }
  let command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.stderr(`kgen: unknown command ${quote(name)}\n\n${topHelp()}`);
    return EXIT_INVALID;
  }
  const sub = command.subcommands?.find((c) => c.name === `${name} ${args[0]}`);
  if (sub) {
    command = sub;
    args.shift();
  }
  if (args.includes('-h') || args.includes('--help')) {
    io.stdout(command.help);
    return EXIT_OK;
  }
  try {
    return await command.run(args, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`kgen ${command.name}: ${shorten(err.message)}\n\n${command.help}`);
      return EXIT_INVALID;
    }
    if (err instanceof InterruptedError) {
      io.stderr(`kgen ${command.name}: ${err.message}; stopped before finishing (a new state was not kept, an existing one is unchanged)\n`);
      return err.exitCode;
    }
    const user = err instanceof InvalidInputError ? err : environmentError(err);
    if (user) {
      io.stderr(`kgen ${command.name}: ${describeError(user)}\n`);
      return EXIT_INVALID;
    }
    io.stderr(`kgen ${command.name}: ${describeError(err)}\n`);
    return EXIT_INTERNAL;
  }
}
