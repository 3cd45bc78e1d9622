// `kgen serve`: a small static HTTP server for the render output's boot tree, for labs and small
// fleets (docs/boot-media.md shows nginx for scale). What it answers is decided in one place,
// src/serve/route.ts (only DIR/pxe/** and the nodes' own seed directories, no links, no dot files, each
// node's secrets only to that node's address); this module is the HTTP glue: it reads DIR/nodes.json on
// every request (a re-render takes effect at once), streams the file the route opened and logs every
// request as one line: client, method, path, status, and the node and file it concerned.
import { closeSync, createReadStream } from 'node:fs';
import { readFile, realpath } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { isIPv6, type AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { route, type NodeEntry } from './route.js';

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

  const answer = await route(
    { method: req.method ?? '', url: req.url ?? '', client },
    { root, allowAnyClient: opts.allowAnyClient === true, nodes: () => loadNodes(root) },
  );
  if (answer.status !== 200) {
    res.writeHead(answer.status, {
      'content-type': 'text/plain; charset=utf-8',
      'cache-control': 'no-store',
      ...(answer.status === 405 ? { allow: 'GET, HEAD' } : {}),
    });
    res.end(`${REFUSAL_TEXT[answer.status]}\n`);
    log(answer.status, answer.detail);
    return;
  }
  res.writeHead(200, {
    'content-type': rawPath.endsWith('.ipxe') ? 'text/plain; charset=utf-8' : 'application/octet-stream',
    'content-length': String(answer.size),
    // Seed files carry secrets and change on every render: never cached by proxies.
    'cache-control': answer.tree === 'nodes' ? 'no-store' : 'no-cache',
  });
  log(200, answer.detail);
  if (req.method === 'HEAD') {
    closeSync(answer.fd);
    res.end();
    return;
  }
  // A read error after the headers went out can only cut the response short.
  createReadStream('', { fd: answer.fd, autoClose: true })
    .on('error', (err) => {
      opts.log(`${client} ${req.method} ${printable(rawPath)} aborted: ${err.message}`, 'error');
      res.destroy();
    })
    .pipe(res);
}

const REFUSAL_TEXT = { 403: 'forbidden', 404: 'not found', 405: 'method not allowed' } as const;

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

/** The request path as it may appear in a log line: no control characters from the client. */
function printable(text: string): string {
  return /[^\x20-\x7e]/.test(text) ? JSON.stringify(text) : text;
}
