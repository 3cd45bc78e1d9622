// The control-plane load balancer of a one-machine cluster: a plain TCP forwarder (what HAProxy in
// `mode tcp` with `balance roundrobin` does in kubeadm's HA guide, docs/ha-considerations.md). Each
// incoming connection goes to the next backend in turn; a backend that refuses or does not answer
// within the connect timeout is skipped for that connection, so a stopped control-plane node costs
// nothing but a retry. TLS passes through untouched: clients verify the API servers' own certificates.
import { connect, createServer, type Socket } from 'node:net';

export interface Endpoint {
  host: string;
  port: number;
}

export interface ForwarderOptions {
  listen: Endpoint;
  backends: Endpoint[];
  /** How long to wait for a backend's TCP handshake before trying the next one. */
  connectTimeoutMs?: number;
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
    const timer = setTimeout(() => socket.destroy(new Error(`connect to ${backend.host}:${backend.port} timed out`)), timeoutMs);
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
  let next = 0;

  const pick = async (): Promise<Socket | undefined> => {
    const start = next;
    next = (next + 1) % options.backends.length;
    for (let i = 0; i < options.backends.length; i++) {
      const backend = options.backends[(start + i) % options.backends.length]!;
      try {
        return await dial(backend, timeoutMs);
      } catch (err) {
        log(`backend ${backend.host}:${backend.port} unavailable: ${(err as Error).message}`);
      }
    }
    return undefined;
  };

  const server = createServer({ pauseOnConnect: true }, (client) => {
    open.add(client);
    client.once('close', () => open.delete(client));
    client.on('error', () => client.destroy());
    void pick().then((upstream) => {
      if (!upstream) {
        log('no backend accepted the connection; closing it');
        client.destroy();
        return;
      }
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
    });
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
