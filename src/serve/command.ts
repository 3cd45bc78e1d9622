// `kgen serve` as a command: flags, the start-up checks and the warning for --allow-any-client; the server
// is src/serve/server.ts.
import { existsSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { join, resolve } from 'node:path';
import { EXIT_OK, parseFlags, UsageError, type CliIO, type Command } from '../command/command.js';
import { InvalidInputError } from '../errors.js';
import { startSeedServer } from './server.js';

/** `--listen` value: host:port, [v6]:port. */
export function parseListen(value: string): { host: string; port: number } {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([0-9.]+)):(\d{1,5})$/.exec(value);
  const host = m?.[1] ?? m?.[2];
  const port = Number(m?.[3]);
  if (!m || !host || !(m[1] ? isIPv6(host) : isIPv4(host)) || port > 65535) {
    throw new UsageError(`--listen ${JSON.stringify(value)} is not an address to listen on; expected IPv4:PORT or [IPv6]:PORT, e.g. 127.0.0.1:8080 or [::1]:8080`);
  }
  return { host, port };
}

export const serveCommand: Command = {
  name: 'serve',
  summary: "serve the rendered PXE scripts and seed tree over HTTP, each node's secrets only to that node",
  help: [
    'Usage: kgen serve [--out DIR] [--listen ADDR] [--allow-any-client]',
    '',
    'Serves DIR/pxe/ (boot.ipxe and one script per MAC), DIR/images/ (kernel and initrd you put there, the',
    'default pxe.imageBaseURL), DIR/boot/ (kgen-boot for boot.delivery url) and DIR/nodes/ (NoCloud seeds,',
    "with the by-mac/ and by-uuid/ aliases) over HTTP. Nothing else, no listings. A node's files other than meta-data are",
    'answered only to the address the node declares in nodes.yaml (from DIR/nodes.json); others get 403.',
    'Each request is logged as one line. Stops on Ctrl-C. For large fleets serve DIR with nginx',
    '(docs/boot-media.md).',
    '',
    'Flags:',
    '  --out DIR            the render output directory (default dist)',
    '  --listen ADDR        IPv4:PORT or [IPv6]:PORT to listen on (default 127.0.0.1:8080)',
    "  --allow-any-client   answer every node's files to any client (prints a warning)",
    '',
    'Example:',
    '  kgen serve --out dist --listen 10.0.0.1:8080',
    '',
  ].join('\n'),
  async run(args, io) {
    const flags = parseFlags(args, {
      out: { type: 'string', default: 'dist' },
      listen: { type: 'string', default: '127.0.0.1:8080' },
      'allow-any-client': { type: 'boolean', default: false },
    });
    const { host, port } = parseListen(flags.listen!);
    const dir = resolve(io.cwd, flags.out!);
    if (!existsSync(join(dir, 'nodes.json'))) {
      throw new InvalidInputError(`${dir} holds no rendered tree (no nodes.json); run \`kgen render --nodes nodes.yaml --out ${flags.out}\` first`);
    }
    const allowAnyClient = flags['allow-any-client'] === true;
    if (allowAnyClient) {
      io.stderr('kgen serve: warning: --allow-any-client: any machine that reaches this server can fetch every node\'s user-data, which holds cluster secrets\n');
    }
    const server = await startSeedServer({
      dir,
      host,
      port,
      allowAnyClient,
      log: (line, level) => (level === 'info' ? io.stdout : io.stderr)(`kgen serve: ${line}\n`),
    });
    io.stdout(`kgen serve: serving ${dir}/pxe, images, boot and nodes at ${server.url} (PXE entry: ${server.url}/pxe/boot.ipxe); Ctrl-C stops\n`);
    await untilAborted(io);
    await server.close();
    io.stdout('kgen serve: stopped\n');
    return EXIT_OK;
  },
};

function untilAborted(io: CliIO): Promise<void> {
  const signal = io.signal;
  if (!signal) return new Promise<void>(() => undefined);
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((ok) => signal.addEventListener('abort', () => ok(), { once: true }));
}
