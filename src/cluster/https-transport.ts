// The real API transport: HTTPS through an undici Agent carrying the CA, and the client certificate and
// key or a bearer token. Only undici's Agent and request are imported (not the package index), and
// lazily on first use, so the boot bundle stays small and `kgen-boot --version` starts fast.
import type { TlsOptions, Transport } from './api-client.js';
import { loadUndici, type Undici } from './undici.js';


export function httpsTransport(tls: TlsOptions): Transport {
  if (!tls.ca && !tls.insecure) {
    throw new Error(`no CA given for ${tls.server}; expected the cluster CA (or insecure: true for discovery only)`);
  }
  const origin = new URL(tls.server).origin;
  const basePath = new URL(tls.server).pathname.replace(/\/+$/, '');
  let agent: Promise<{ dispatcher: InstanceType<Undici['Agent']>; request: Undici['request'] }> | undefined;
  const connect = () =>
    (agent ??= loadUndici().then(({ Agent, request }) => ({
      request,
      dispatcher: new Agent({
        connect: {
          ca: tls.ca,
          rejectUnauthorized: !tls.insecure,
          ...(tls.credentials.kind === 'certificate' ? { cert: tls.credentials.cert, key: tls.credentials.key } : {}),
        },
      }),
    })));
  return async (req) => {
    const { dispatcher, request } = await connect();
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'kgen-boot' };
    if (req.contentType) headers['content-type'] = req.contentType;
    if (tls.credentials.kind === 'token') headers.authorization = `Bearer ${tls.credentials.token}`;
    const res = await request.call(dispatcher, { origin, path: `${basePath}${req.path}`, method: req.method, headers, body: req.body });
    const body = await res.body.text();
    const retryAfter = Number(res.headers['retry-after']);
    return { status: res.statusCode, body, retryAfter: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined };
  };
}
