// The real API transport: HTTPS through an undici Agent carrying the CA, and the client certificate and
// key or a bearer token. Only undici's Agent and request are imported (not the package index), and
// lazily on first use, so the boot bundle stays small and `kgen-boot --version` starts fast.
// Connections, as client-go keeps them: one long-lived connection per API server for the whole run, shared by
// every phase's calls (requests queue on it); one that fails is replaced by the next request. Behind a TCP
// load balancer without health checks every new connection may land on a backend that is not up yet, so a
// connect attempt (TCP and TLS handshake) has a short timeout and a failed one is retried at once, on a new
// connection that the balancer sends elsewhere: a dead backend costs one short timeout or a reset.
import type { buildConnector } from 'undici';
import type { TlsOptions, Transport } from './api-client.js';
import { loadUndici, type Undici } from './undici.js';

/**
 * TCP plus TLS handshake: a live API server answers in milliseconds, so the first attempt waits 0.5 s; each
 * connect timeout in a row doubles the next attempt's (up to 8 s), so a slow but live server is still reached.
 */
const CONNECT_TIMEOUT_MS = { first: 500, max: 8_000 };
/** Immediate new-connection attempts after a failed connect, before the error reaches the client's backoff. */
const RECONNECTS = 2;
/** Idle time a connection is kept; the whole first boot of a node fits in it. */
const KEEP_ALIVE_MS = 600_000;

/**
 * How a balancer's dead backend looks to a client: the balancer accepted the connection, then reset it, or the
 * handshake never completed. A new connection goes to another backend. (A refused connection means nothing
 * listens at the address itself: asking again at once would get the same answer.)
 */
const CONNECT_FAILURES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'ECONNRESET']);

/** `log` is told about every reconnect, with its cause. */
export function httpsTransport(tls: TlsOptions, log: (message: string) => void = () => {}): Transport {
  if (!tls.ca && !tls.insecure) {
    throw new Error(`no CA given for ${tls.server}; expected the cluster CA (or insecure: true for discovery only)`);
  }
  const origin = new URL(tls.server).origin;
  const basePath = new URL(tls.server).pathname.replace(/\/+$/, '');
  let agent: Promise<{ dispatcher: InstanceType<Undici['Agent']>; request: Undici['request'] }> | undefined;
  const connect = () =>
    (agent ??= loadUndici().then(({ Agent, request, buildConnector }) => {
      const tlsOptions = {
        ca: tls.ca,
        rejectUnauthorized: !tls.insecure,
        ...(tls.credentials.kind === 'certificate' ? { cert: tls.credentials.cert, key: tls.credentials.key } : {}),
      };
      const connectors = new Map<number, buildConnector.connector>();
      let timeoutsInARow = 0;
      const connector: buildConnector.connector = (options, callback) => {
        const timeout = Math.min(CONNECT_TIMEOUT_MS.max, CONNECT_TIMEOUT_MS.first * 2 ** timeoutsInARow);
        let build = connectors.get(timeout);
        if (!build) connectors.set(timeout, (build = buildConnector({ ...tlsOptions, timeout })));
        build(options, (err, socket) => {
          if (err && (err as { code?: string }).code === 'UND_ERR_CONNECT_TIMEOUT') timeoutsInARow++;
          else if (!err) timeoutsInARow = 0;
          (callback as (e: Error | null, s: typeof socket) => void)(err, socket);
        });
      };
      return { request, dispatcher: new Agent({ connections: 1, keepAliveTimeout: KEEP_ALIVE_MS, keepAliveMaxTimeout: KEEP_ALIVE_MS, connect: connector }) };
    }));
  return async (req) => {
    const { dispatcher, request } = await connect();
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'kgen-boot' };
    if (req.contentType) headers['content-type'] = req.contentType;
    if (tls.credentials.kind === 'token') headers.authorization = `Bearer ${tls.credentials.token}`;
    for (let reconnect = 0; ; reconnect++) {
      try {
        const res = await request.call(dispatcher, { origin, path: `${basePath}${req.path}`, method: req.method, headers, body: req.body });
        const body = await res.body.text();
        const retryAfter = Number(res.headers['retry-after']);
        return { status: res.statusCode, body, retryAfter: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined };
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (reconnect >= RECONNECTS || !code || !CONNECT_FAILURES.has(code)) throw err;
        log(`connecting to ${origin} failed (${code}: ${(err as Error).message}); trying a new connection`);
      }
    }
  };
}
