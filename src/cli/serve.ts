// `kgen serve`: a small static HTTP server for the render output's boot tree, for labs and small
// fleets (docs/boot-media.md shows nginx for scale). It serves exactly DIR/pxe/** and DIR/nodes/**:
// no directory listings, no path outside those trees, no symlink that resolves outside DIR.
//
// Access model: a node's seed files other than meta-data (user-data holds the cluster secrets its role
// needs; network-config, vendor-data and node.yaml are treated alike) are answered only to the address
// the node declares in nodes.yaml (DIR/nodes.json, re-read on every request so a re-render takes effect
// at once). meta-data (instance id, hostname) and the iPXE scripts are public. The same rule covers the
// aliases nodes/by-mac/<mac>/ and nodes/by-uuid/<uuid>/ (generators/seed-tree.ts). `--allow-any-client`
// turns the rule off, with a warning. Every request is logged as one line: client, method, path,
// status, and the node and file it concerned.
import { createReadStream, existsSync } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { isIPv4, isIPv6, type AddressInfo } from 'node:net';
import { join, resolve, sep } from 'node:path';
import { BY_MAC, BY_UUID, macDirName, uuidDirName } from '../../generators/seed-tree.js';
import { EXIT_OK, parseFlags, UsageError, type CliIO, type Command } from '../command/command.js';
import { InvalidInputError } from '../errors.js';

/** The one seed file anyone may fetch. */
const PUBLIC_NODE_FILE = 'meta-data';
const SERVED_TREES = ['pxe', 'nodes'];

export interface SeedServerOptions {
  /** The render output directory (absolute). */
  dir: string;
  /** Address to listen on: an IPv4 or IPv6 literal. */
  host: string;
  /** Port; 0 picks a free one (see the returned url). */
  port: number;
  /** Serve every file to every client (no per-node address check). */
  allowAnyClient?: boolean;
  /** One line per request, without a trailing newline; `error` for refusals and failures. */
  log(line: string, level: 'info' | 'error'): void;
}

export interface SeedServer {
  /** Base URL, e.g. http://127.0.0.1:8080 or http://[::1]:8080. */
  url: string;
  close(): Promise<void>;
}

/** One node as render records it in DIR/nodes.json. */
interface NodeEntry {
  name: string;
  address: string;
  mac?: string;
  uuid?: string;
}

/** Starts the server; resolves once it listens. Fails if DIR/nodes.json is missing or malformed. */
export async function startSeedServer(opts: SeedServerOptions): Promise<SeedServer> {
  const root = await realpath(opts.dir).catch((err: NodeJS.ErrnoException) => {
    throw new Error(`output directory ${opts.dir} cannot be opened (${err.code}); run kgen render --out ${opts.dir} first`, { cause: err });
  });
  await loadNodes(root); // fail at start, not at the first request
  const server = createServer((req, res) => {
    handle(root, opts, req, res).catch((err: unknown) => {
      opts.log(`${clientOf(req)} ${req.method} ${printable(req.url ?? '')} 500 internal error: ${(err as Error).message}`, 'error');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end();
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port, opts.host, () => {
      server.off('error', fail);
      ok();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${isIPv6(address) ? `[${address}]` : address}:${port}`,
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}

async function handle(root: string, opts: SeedServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const client = clientOf(req);
  const rawPath = (req.url ?? '').split('?')[0]!;
  const log = (status: number, detail: string) =>
    opts.log(`${client} ${req.method} ${printable(rawPath)} ${status}${detail ? ` ${detail}` : ''}`, status < 400 ? 'info' : 'error');
  const refuse = (status: number, detail: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers });
    res.end(`${status === 403 ? 'forbidden' : status === 405 ? 'method not allowed' : 'not found'}\n`);
    log(status, detail);
  };

  if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(405, '', { allow: 'GET, HEAD' });
  const segments = pathSegments(rawPath);
  if (!segments || !SERVED_TREES.includes(segments[0]!) || segments.length < 2) return refuse(404, '');

  // Existence first (node names, MACs and UUIDs are not secret), then who may read it.
  const file = await servedFile(root, segments);
  if (!file) return refuse(404, '');
  let about = '';
  if (segments[0] === 'nodes') {
    const owner = nodeOfPath(segments, await loadNodes(root));
    const name = segments[segments.length - 1]!;
    about = `(node ${owner?.name ?? '?'} file ${name})`;
    if (name !== PUBLIC_NODE_FILE && !opts.allowAnyClient) {
      if (!owner) return refuse(403, `(file ${name} belongs to no node in nodes.json)`);
      if (canonicalIp(owner.address) !== canonicalIp(client)) {
        return refuse(403, `(node ${owner.name} file ${name}: only ${owner.address} may fetch it)`);
      }
    }
  }
  res.writeHead(200, {
    'content-type': rawPath.endsWith('.ipxe') ? 'text/plain; charset=utf-8' : 'application/octet-stream',
    'content-length': String(file.size),
    // Seed files carry secrets and change on every render: never cached by proxies.
    'cache-control': segments[0] === 'nodes' ? 'no-store' : 'no-cache',
  });
  log(200, about);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  // A read error after the headers went out can only cut the response short.
  createReadStream(file.path)
    .on('error', (err) => {
      opts.log(`${client} ${req.method} ${printable(rawPath)} aborted: ${err.message}`, 'error');
      res.destroy();
    })
    .pipe(res);
}

/** Decoded path segments, or undefined for anything that is not a plain file path. */
function pathSegments(rawPath: string): string[] | undefined {
  let segments: string[];
  try {
    segments = rawPath.split('/').slice(1).map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
  if (!rawPath.startsWith('/')) return undefined;
  const bad = (s: string) => s === '' || s === '.' || s === '..' || /[\\/\0]/.test(s);
  return segments.some(bad) ? undefined : segments;
}

/** The regular file a request names, if it exists and its real path stays inside DIR. */
async function servedFile(root: string, segments: string[]): Promise<{ path: string; size: number } | undefined> {
  let real: string;
  try {
    real = await realpath(resolve(root, ...segments));
  } catch {
    return undefined;
  }
  const tree = resolve(root, segments[0]!);
  if (!real.startsWith(tree + sep)) return undefined;
  const info = await stat(real).catch(() => undefined);
  return info?.isFile() ? { path: real, size: info.size } : undefined;
}

function nodeOfPath(segments: string[], nodes: NodeEntry[]): NodeEntry | undefined {
  if (segments.length === 3) return nodes.find((n) => n.name === segments[1]);
  if (segments.length === 4 && segments[1] === BY_MAC) return nodes.find((n) => n.mac !== undefined && macDirName(n.mac) === segments[2]);
  if (segments.length === 4 && segments[1] === BY_UUID) return nodes.find((n) => n.uuid !== undefined && uuidDirName(n.uuid) === segments[2]);
  return undefined;
}

async function loadNodes(root: string): Promise<NodeEntry[]> {
  const path = resolve(root, 'nodes.json');
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path} cannot be read as JSON (${(err as Error).message}); run kgen render to write it`, { cause: err });
  }
  const nodes = (parsed as { nodes?: unknown }).nodes;
  const valid =
    Array.isArray(nodes) &&
    nodes.every(
      (n: Record<string, unknown>) =>
        typeof n === 'object' && n !== null && typeof n.name === 'string' && typeof n.address === 'string' &&
        (n.mac === undefined || typeof n.mac === 'string') && (n.uuid === undefined || typeof n.uuid === 'string'),
    );
  if (!valid) throw new Error(`${path} is not { "nodes": [ { "name", "address", "mac"?, "uuid"? } ] }; run kgen render again`);
  return nodes as NodeEntry[];
}

function clientOf(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? '?';
}

/** One form per address: IPv4 dotted, IPv4-mapped IPv6 (::ffff:10.0.0.11) as IPv4, IPv6 compressed lower case. */
export function canonicalIp(address: string): string {
  if (isIPv4(address)) return address;
  if (!isIPv6(address)) return address;
  const host = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  if (!mapped) return host;
  const [hi, lo] = [parseInt(mapped[1]!, 16), parseInt(mapped[2]!, 16)];
  return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join('.');
}

/** The request path as it may appear in a log line: no control characters from the client. */
function printable(text: string): string {
  return /[^\x20-\x7e]/.test(text) ? JSON.stringify(text) : text;
}

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
    'Serves DIR/pxe/ (boot.ipxe and one script per MAC) and DIR/nodes/ (NoCloud seeds, with the by-mac/',
    "and by-uuid/ aliases) over HTTP. Nothing else, no listings. A node's files other than meta-data are",
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
    io.stdout(`kgen serve: serving ${dir}/pxe and ${dir}/nodes at ${server.url} (PXE entry: ${server.url}/pxe/boot.ipxe); Ctrl-C stops\n`);
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
