// The control-plane load balancer of a one-machine cluster: a plain TCP forwarder, as HAProxy in `mode tcp`
// with `balance roundrobin` and no health checks (kubeadm's HA guide, docs/ha-considerations.md, without its
// `option httpchk`). Each incoming connection goes to the next configured backend in turn, whether it is up
// or not: a backend that refuses costs the client a reset, one that does not answer costs it the connect
// timeout and then a reset. Nothing is skipped or remembered, so clients meet a first boot's dead backends as
// they would behind a real balancer. TLS passes through untouched: clients verify the API servers' own
// certificates.
import { connect, createServer, type Socket } from 'node:net';

export interface Endpoint {
  host: string;
  port: number;
}

export interface ForwarderOptions {
  listen: Endpoint;
  backends: Endpoint[];
  /** How long to wait for a backend's TCP handshake before resetting the client (HAProxy `timeout connect`). */
  connectTimeoutMs?: number;
  /** One line per accepted connection: its number, the backend and how it went. */
  log?: (line: string) => void;
}

export interface Forwarder {
  close(): Promise<void>;
}

/** "10.99.0.2:6443" -> { host, port }. */
export function parseEndpoint(text: string): Endpoint {
  const m = /^([^:]+):(\d+)$/.exec(text);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) throw new Error(`endpoint "${text}" must be host:port, e.g. 10.99.0.11:6443`);
  return { host: m[1]!, port: Number(m[2]) };
}

function dial(backend: Endpoint, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(backend);
    const timer = setTimeout(() => socket.destroy(new Error(`connect timed out after ${timeoutMs} ms`)), timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** Starts listening; resolves once the socket is bound. */
export async function startForwarder(options: ForwarderOptions): Promise<Forwarder> {
  if (options.backends.length === 0) throw new Error('the forwarder needs at least one backend');
  const timeoutMs = options.connectTimeoutMs ?? 2_000;
  const log = options.log ?? (() => {});
  const open = new Set<Socket>();
  let accepted = 0;

  const server = createServer({ pauseOnConnect: true }, (client) => {
    const n = ++accepted;
    const backend = options.backends[(n - 1) % options.backends.length]!;
    const name = `${backend.host}:${backend.port}`;
    open.add(client);
    client.once('close', () => open.delete(client));
    client.on('error', () => client.destroy());
    dial(backend, timeoutMs).then(
      (upstream) => {
        log(`connection ${n} -> ${name}: forwarded`);
        open.add(upstream);
        upstream.once('close', () => {
          open.delete(upstream);
          client.destroy();
        });
        upstream.on('error', () => upstream.destroy());
        client.once('close', () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      },
      (err: Error) => {
        log(`connection ${n} -> ${name}: ${err.message}; resetting the client`);
        client.resetAndDestroy();
      },
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.listen.port, options.listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
