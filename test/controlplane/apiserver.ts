// The test kube-apiserver's HTTPS front: TLS with the serving certificate, client certificates
// requested and verified against --client-ca-file, then authenticate -> authorize -> serve, as
// upstream's handler chain orders it (staging/src/k8s.io/apiserver/pkg/server/config.go
// DefaultBuildHandlerChain). Non-resource paths: discovery, /version, /healthz, /livez, /readyz.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import type { Authenticator } from './authn.js';
import type { Authorizer } from './authz.js';
import { apiGroup, apiGroupList, apiResourceList, apiVersions, versionInfo } from './discovery.js';
import type { EtcdClient } from './etcd.js';
import { decodeKubernetesProtobuf, ProtobufError } from './protobuf.js';
import { forbiddenMessage, type Attributes } from './rbac.js';
import { requestInfo } from './request-info.js';
import type { Rest } from './rest.js';
import { ApiError, badRequest, forbidden, forbiddenPath, pathNotFound } from './status.js';

export interface ServerConfig {
  tls: { cert: Buffer; key: Buffer; clientCA: Buffer };
  /** host:port published in /api serverAddressByClientCIDRs. */
  advertise: string;
  gitVersion: string;
  /**
   * The start-up window: for this long after the server starts serving, every request not from system:masters
   * is answered 403, as a real kube-apiserver's RBAC and Node authorizers deny until their informer caches
   * have synced (seen: "kubernetes-admin cannot patch resource nodes" 76 ms after "Serving securely", caches
   * synced 113 ms later). system:masters passes: upstream's privileged-group authorizer comes first and needs
   * no cache (pkg/kubeapiserver/authorizer/config.go). Default 0 (off).
   */
  startupWindowMs?: number;
}

export interface ServerDeps {
  etcd: EtcdClient;
  authn: Authenticator;
  authz: Authorizer;
  rest: Rest;
  log: (line: string) => void;
}

const MAX_BODY = 3 * 1024 * 1024;

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new ApiError(413, 'RequestEntityTooLarge', 'the request body is larger than 3 MiB');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function parseBody(raw: Buffer, contentType: string, resource: string): unknown {
  if (raw.length === 0) return undefined;
  if (/protobuf/.test(contentType)) {
    // A SelfSubjectReview request carries nothing the server reads (kubectl auth whoami sends protobuf).
    if (resource === 'selfsubjectreviews') return undefined;
    try {
      return decodeKubernetesProtobuf(raw);
    } catch (err) {
      if (!(err instanceof ProtobufError)) throw err;
      throw new ApiError(415, 'UnsupportedMediaType', `${err.message}; send application/json instead of application/vnd.kubernetes.protobuf`);
    }
  }
  try {
    return /yaml/.test(contentType) ? parseYaml(raw.toString('utf8')) : JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw badRequest(`the request body is not valid ${/yaml/.test(contentType) ? 'YAML' : 'JSON'}: ${(err as Error).message}`);
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (typeof body === 'string') {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(body);
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export function createApiServer(config: ServerConfig, deps: ServerDeps): Server {
  async function nonResource(path: string): Promise<unknown> {
    if (path === '/healthz' || path === '/livez' || path === '/readyz' || /^\/(healthz|livez|readyz)\/.+/.test(path)) {
      if (path.startsWith('/readyz') || path.startsWith('/healthz')) {
        try {
          await deps.etcd.revision();
        } catch {
          throw new ApiError(500, 'InternalError', '[-]etcd failed: reason withheld\nreadyz check failed');
        }
      }
      return 'ok';
    }
    if (path === '/version' || path === '/version/') return versionInfo(config.gitVersion);
    if (path === '/api' || path === '/api/') return apiVersions(config.advertise);
    if (path === '/apis' || path === '/apis/') return apiGroupList();
    const parts = path.split('/').filter(Boolean);
    if (parts[0] === 'api' && parts.length === 2) return apiResourceList('', parts[1]!) ?? Promise.reject(pathNotFound());
    if (parts[0] === 'apis' && parts.length === 2) return apiGroup(parts[1]!) ?? Promise.reject(pathNotFound());
    if (parts[0] === 'apis' && parts.length === 3) return apiResourceList(parts[1]!, parts[2]!) ?? Promise.reject(pathNotFound());
    throw pathNotFound();
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://apiserver');
    const method = req.method ?? 'GET';
    const contentType = String(req.headers['content-type'] ?? 'application/json');
    const raw = await readBody(req);
    const user = await deps.authn.authenticate(req);
    const info = requestInfo(method, url);
    const attrs: Attributes = { user, ...info };
    const warmingUp = servingSince !== undefined && Date.now() - servingSince < (config.startupWindowMs ?? 0) && !user.groups.includes('system:masters');
    if (warmingUp || !(await deps.authz.allows(attrs))) {
      throw info.resourceRequest ? forbidden({ group: info.apiGroup, resource: info.resource }, info.name, forbiddenMessage(attrs)) : forbiddenPath(forbiddenMessage(attrs));
    }
    if (!info.resourceRequest) {
      if (method !== 'GET' && method !== 'HEAD') throw pathNotFound();
      send(res, 200, await nonResource(info.path));
      return;
    }
    const result = await deps.rest.serve({ method, url, accept: req.headers.accept, info, user, contentType, body: parseBody(raw, contentType, info.resource) });
    if ('stream' in result) await result.stream(res);
    else send(res, result.status, result.body);
  }

  let servingSince: number | undefined;
  const server = createServer(
    { cert: config.tls.cert, key: config.tls.key, ca: config.tls.clientCA, requestCert: true, rejectUnauthorized: false, minVersion: 'TLSv1.2' },
    (req, res) => {
      const started = `${req.method} ${req.url}`;
      handle(req, res).catch((err: unknown) => {
        const apiErr = err instanceof ApiError ? err : new ApiError(500, 'InternalError', `Internal error occurred: ${(err as Error).message}`);
        if (apiErr.code >= 500) deps.log(`${started}: ${(err as Error).stack ?? err}`);
        if (!res.headersSent) send(res, apiErr.code, apiErr.toStatus());
        else res.end();
      });
    },
  );
  server.once('listening', () => (servingSince = Date.now()));
  return server;
}
