// kgen-boot's bin: the only place that touches process.argv and process.exitCode (see cli.ts).
// No top-level await: the same entry is also built as CommonJS, the main script of the self-contained
// executables (scripts/build-sea.mjs). Until main settles the exit code says "kgen bug", as an unsettled
// top-level await would.
import { EXIT_INTERNAL } from '../command/command.js';
import { main } from './cli.js';

process.exitCode = EXIT_INTERNAL;
void main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  cwd: process.cwd(),
}).then((code) => {
  process.exitCode = code;
});
