// A small Kubernetes API client on undici (model: client-go's REST client as kubeadm uses it through
// cmd/kubeadm/app/util/apiclient/idempotency.go): typed CRUD over REST paths, `createOrUpdate` that never
// duplicates (create; on 409 read the resourceVersion and PUT), typed errors carrying HTTP status, URL
// and the server's reason (never a request body or credential), and one retry mechanism for every call:
// connection errors, 5xx, 429, and 401/403 (an API server that started a moment ago answers 403 until its
// authorization caches are loaded, and a load balancer may send any request to such a server) are retried
// with capped exponential backoff and jitter until a time budget is spent, as kubeadm's apiclient helpers
// retry on any error for constants.KubernetesAPICallTimeout (clock and randomness injected). Every retry is
// reported with its cause, so a wait never leaves the log silent.
// All traffic goes through one Transport (https-transport.ts on undici in production); the dry-run
// transport records requests instead of sending them.
import { parse } from '../yaml-input.js';
import { describeRequest } from './dry-run-print.js';
import type { Clock, Random } from '../clock.js';

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; resourceVersion?: string };
}

export type Credentials = { kind: 'certificate'; cert: string; key: string } | { kind: 'token'; token: string } | { kind: 'anonymous' };

export interface TransportRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path and query, e.g. /api/v1/namespaces/kube-system/configmaps. */
  path: string;
  body?: string;
  contentType?: string;
}

export interface TransportResponse {
  status: number;
  body: string;
  /** Seconds from a Retry-After header, when present. */
  retryAfter?: number;
}

/** Sends one request; throws only for connection-level failures. */
export type Transport = (req: TransportRequest) => Promise<TransportResponse>;

export interface RetryPolicy {
  /** How long one call keeps retrying transient answers before it reports the last one. */
  budgetMs: number;
  baseMs: number;
  /** Longest pause between attempts; below 2 s so a retrying call logs at least that often. */
  maxMs: number;
}

/**
 * kubeadm retries API calls for KubernetesAPICallTimeout (1 min) every KubernetesAPICallRetryInterval (500 ms)
 * (upstream: cmd/kubeadm/app/constants/constants.go, cmd/kubeadm/app/util/apiclient/idempotency.go).
 */
export const DEFAULT_RETRY: RetryPolicy = { budgetMs: 60_000, baseMs: 250, maxMs: 1000 };

/** Read-modify-write rounds createOrUpdate tries while other writers keep changing the object. */
const CONFLICT_ATTEMPTS = 8;

/** Per-call exceptions to the retry rules. */
export interface RequestOptions {
  /**
   * 403 is the expected, final answer of this call (a probe for a right the caller may lack, as kubeadm's
   * EnsureAdminClusterRoleBinding stops polling on Forbidden): do not wait for it to change.
   */
  forbiddenIsFinal?: boolean;
}

/** The API server answered with an error status, or could not be reached at all (status undefined). */
export class ApiError extends Error {
  constructor(
    readonly method: string,
    readonly url: string,
    readonly status: number | undefined,
    /** metav1.Status reason ("AlreadyExists", "NotFound", "Forbidden", ...) or "ConnectionFailed". */
    readonly reason: string,
    /** The server's message or the connection error, without method and URL. */
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${method} ${url}: ${status === undefined ? 'connection failed' : `HTTP ${status} ${reason}`}: ${detail}`, options);
    this.name = 'ApiError';
  }

  /** "HTTP 403 Forbidden: ..." or the connection error, for retry lines. */
  get summary(): string {
    return this.status === undefined ? this.detail : `HTTP ${this.status} ${this.reason}: ${this.detail}`;
  }
}

export const isNotFound = (err: unknown): boolean => err instanceof ApiError && err.status === 404;
export const isConflict = (err: unknown): boolean => err instanceof ApiError && err.status === 409;

export interface TlsOptions {
  server: string;
  /** PEM CA bundle that must have signed the server certificate. */
  ca?: string;
  /** Skip server verification: only for discovery's first, unauthenticated cluster-info read. */
  insecure?: boolean;
  credentials: Credentials;
}

/** kind -> REST resource for the kinds kgen creates (everything else is looked up via discovery). */
const BUILTIN: Record<string, { plural: string; namespaced: boolean }> = {
  'v1/ConfigMap': { plural: 'configmaps', namespaced: true },
  'v1/Secret': { plural: 'secrets', namespaced: true },
  'v1/ServiceAccount': { plural: 'serviceaccounts', namespaced: true },
  'v1/Service': { plural: 'services', namespaced: true },
  'v1/Namespace': { plural: 'namespaces', namespaced: false },
  'v1/Node': { plural: 'nodes', namespaced: false },
  'v1/Pod': { plural: 'pods', namespaced: true },
  'apps/v1/Deployment': { plural: 'deployments', namespaced: true },
  'apps/v1/DaemonSet': { plural: 'daemonsets', namespaced: true },
  'rbac.authorization.k8s.io/v1/Role': { plural: 'roles', namespaced: true },
  'rbac.authorization.k8s.io/v1/RoleBinding': { plural: 'rolebindings', namespaced: true },
  'rbac.authorization.k8s.io/v1/ClusterRole': { plural: 'clusterroles', namespaced: false },
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': { plural: 'clusterrolebindings', namespaced: false },
  'certificates.k8s.io/v1/CertificateSigningRequest': { plural: 'certificatesigningrequests', namespaced: false },
};

interface Resource {
  plural: string;
  namespaced: boolean;
}

export type PatchType = 'strategic' | 'merge' | 'json';
const PATCH_CONTENT_TYPE: Record<PatchType, string> = {
  strategic: 'application/strategic-merge-patch+json',
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
};

export interface ApiClientOptions {
  /** https://host:port, for messages and URLs. */
  server: string;
  transport: Transport;
  clock: Clock;
  random: Random;
  retry?: RetryPolicy;
  /** Told about every retry: what failed and how long the call has been retrying (default: silent). */
  onRetry?: (message: string) => void;
  /** Maps unknown kinds without asking the server (dry runs, where no server exists). */
  guessUnknownKinds?: boolean;
}

export interface ListResult<T> {
  items: T[];
  metadata?: { resourceVersion?: string };
}

export class ApiClient {
  readonly server: string;
  private readonly transport: Transport;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly retry: RetryPolicy;
  private readonly onRetry: (message: string) => void;
  private readonly guess: boolean;
  private readonly discovered = new Map<string, Promise<Map<string, Resource>>>();

  constructor(options: ApiClientOptions) {
    this.server = options.server.replace(/\/+$/, '');
    this.transport = options.transport;
    this.clock = options.clock;
    this.random = options.random;
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.onRetry = options.onRetry ?? (() => {});
    this.guess = options.guessUnknownKinds ?? false;
  }

  /** Delay before retry number `attempt` (0-based): capped exponential, with jitter in [50%, 100%]. */
  backoffMs(attempt: number, retryAfterSeconds?: number): number {
    const exp = Math.min(this.retry.maxMs, this.retry.baseMs * 2 ** attempt);
    const jittered = Math.round(exp * (0.5 + 0.5 * this.random.float()));
    return retryAfterSeconds === undefined ? jittered : Math.min(this.retry.maxMs, Math.max(jittered, retryAfterSeconds * 1000));
  }

  /**
   * One request, retried while the answer is transient (see the header) and the budget lasts; returns the
   * parsed JSON body of a 2xx answer, or throws ApiError with the last answer once the budget is spent.
   */
  async request<T>(req: TransportRequest, options: RequestOptions = {}): Promise<T> {
    const url = `${this.server}${req.path}`;
    const start = this.clock.now().getTime();
    for (let attempt = 0; ; attempt++) {
      let res: TransportResponse | Error;
      try {
        res = await this.transport(req);
      } catch (err) {
        res = err as Error;
      }
      if (!(res instanceof Error) && res.status >= 200 && res.status < 300) return (res.body ? JSON.parse(res.body) : {}) as T;
      const failure =
        res instanceof Error ? new ApiError(req.method, url, undefined, 'ConnectionFailed', describeConnectionError(res), { cause: res }) : statusError(req.method, url, res);
      if (!(res instanceof Error) && (!isTransientStatus(res.status) || (res.status === 403 && options.forbiddenIsFinal))) throw failure;
      const delay = this.backoffMs(attempt, res instanceof Error ? undefined : res.retryAfter);
      const elapsed = this.clock.now().getTime() - start;
      if (elapsed + delay > this.retry.budgetMs) {
        const hint = failure.status === undefined ? '; check that the API server is running and reachable' : '';
        const tries = attempt === 0 ? '' : ` (gave up after ${attempt + 1} attempts in ${seconds(elapsed)})`;
        throw new ApiError(req.method, url, failure.status, failure.reason, `${failure.detail}${tries}${hint}`, { cause: failure.cause });
      }
      this.onRetry(`${req.method} ${url} ${failure.status === undefined ? 'failed' : 'answered'} ${failure.summary}; retrying in ${seconds(delay)} (${seconds(elapsed)} so far)`);
      await this.clock.sleep(delay);
    }
  }

  /** A single GET without retries, for health probes: the status and body text, or the connection error. */
  async probe(path: string): Promise<TransportResponse> {
    return this.transport({ method: 'GET', path });
  }

  private async resource(apiVersion: string, kind: string): Promise<Resource> {
    const builtin = BUILTIN[`${apiVersion}/${kind}`];
    if (builtin) return builtin;
    if (this.guess) return { plural: `${kind.toLowerCase()}s`, namespaced: true };
    let table = this.discovered.get(apiVersion);
    if (!table) {
      const path = apiVersion === 'v1' ? '/api/v1' : `/apis/${apiVersion}`;
      table = this.request<{ resources: Array<{ name: string; kind: string; namespaced: boolean }> }>({ method: 'GET', path }).then(
        (list) => new Map(list.resources.filter((r) => !r.name.includes('/')).map((r) => [r.kind, { plural: r.name, namespaced: r.namespaced }])),
      );
      this.discovered.set(apiVersion, table);
      table.catch(() => this.discovered.delete(apiVersion));
    }
    const found = (await table).get(kind);
    // Forget the table so a kind that appears later (a CRD just created) is found on the next try.
    if (!found) this.discovered.delete(apiVersion);
    if (!found) throw new Error(`the API server at ${this.server} does not serve kind ${kind} in ${apiVersion}; check the manifest's apiVersion or install its CRD first`);
    return found;
  }

  /** REST path of a collection (name undefined) or of one object; ":" stays literal in names, as kubectl sends it. */
  async path(apiVersion: string, kind: string, namespace?: string, name?: string): Promise<string> {
    const r = await this.resource(apiVersion, kind);
    const prefix = apiVersion === 'v1' ? '/api/v1' : `/apis/${apiVersion}`;
    const ns = r.namespaced ? `/namespaces/${segment(namespace ?? 'default')}` : '';
    return `${prefix}${ns}/${r.plural}${name === undefined ? '' : `/${segment(name)}`}`;
  }

  async get<T extends ObjectRef>(apiVersion: string, kind: string, name: string, namespace?: string, options?: RequestOptions): Promise<T> {
    return this.request<T>({ method: 'GET', path: await this.path(apiVersion, kind, namespace, name) }, options);
  }

  /** The object, or undefined on 404. */
  async getIfExists<T extends ObjectRef>(apiVersion: string, kind: string, name: string, namespace?: string, options?: RequestOptions): Promise<T | undefined> {
    try {
      return await this.get<T>(apiVersion, kind, name, namespace, options);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async list<T extends ObjectRef>(apiVersion: string, kind: string, namespace?: string, query: Record<string, string> = {}): Promise<ListResult<T>> {
    const qs = new URLSearchParams(query).toString();
    return this.request<ListResult<T>>({ method: 'GET', path: `${await this.path(apiVersion, kind, namespace)}${qs ? `?${qs}` : ''}` });
  }

  async create<T extends ObjectRef>(obj: T): Promise<T> {
    const path = await this.path(obj.apiVersion, obj.kind, obj.metadata.namespace);
    return this.request<T>({ method: 'POST', path, body: JSON.stringify(obj), contentType: 'application/json' });
  }

  /** PUT; `obj.metadata.resourceVersion` guards against lost updates when set. */
  async update<T extends ObjectRef>(obj: T): Promise<T> {
    const path = await this.path(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name);
    return this.request<T>({ method: 'PUT', path, body: JSON.stringify(obj), contentType: 'application/json' });
  }

  async patch<T extends ObjectRef>(ref: ObjectRef, patch: unknown, type: PatchType = 'strategic'): Promise<T> {
    const path = await this.path(ref.apiVersion, ref.kind, ref.metadata.namespace, ref.metadata.name);
    return this.request<T>({ method: 'PATCH', path, body: JSON.stringify(patch), contentType: PATCH_CONTENT_TYPE[type] });
  }

  /** Deletes; a missing object is not an error (idempotent). */
  async delete(apiVersion: string, kind: string, name: string, namespace?: string): Promise<void> {
    try {
      await this.request({ method: 'DELETE', path: await this.path(apiVersion, kind, namespace, name) });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /**
   * Creates the object; when it exists (409), reads its resourceVersion and replaces it with a PUT,
   * retrying the read-modify-write on a write conflict (upstream apiclient.CreateOrUpdate*).
   */
  /**
   * `invalidMeansExists`: for a Service with a fixed clusterIP, the apiserver allocates the IP before it checks
   * the name, so an existing Service answers 422 Invalid ("provided IP is already allocated") rather than 409;
   * kubeadm then updates it the same way (upstream: cmd/kubeadm/app/phases/addons/dns/dns.go createDNSService).
   */
  async createOrUpdate<T extends ObjectRef>(obj: T, opts: { invalidMeansExists?: boolean } = {}): Promise<T> {
    try {
      return await this.create(obj);
    } catch (err) {
      const exists = isConflict(err) || (opts.invalidMeansExists === true && err instanceof ApiError && err.status === 422);
      if (!exists) throw err;
    }
    for (let attempt = 0; ; attempt++) {
      const current = await this.get<ObjectRef>(obj.apiVersion, obj.kind, obj.metadata.name, obj.metadata.namespace);
      const next = { ...obj, metadata: { ...obj.metadata, resourceVersion: current.metadata.resourceVersion } };
      try {
        return await this.update(next);
      } catch (err) {
        if (!isConflict(err) || attempt + 1 >= CONFLICT_ATTEMPTS) throw err;
        await this.clock.sleep(this.backoffMs(attempt));
      }
    }
  }
}

/** Answers worth waiting out: overload, server errors, and authn/authz from a server still starting. */
function isTransientStatus(status: number): boolean {
  return status === 429 || status >= 500 || status === 401 || status === 403;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

/** A path segment: percent-encoded except ":" (an RFC 3986 pchar, common in RBAC object names). */
function segment(value: string): string {
  return encodeURIComponent(value).replace(/%3A/gi, ':');
}

function statusError(method: string, url: string, res: TransportResponse): ApiError {
  let reason = httpReason(res.status);
  let detail = res.body.slice(0, 300).trim() || 'empty response';
  try {
    const status = JSON.parse(res.body) as { kind?: string; reason?: string; message?: string };
    if (status.kind === 'Status') {
      reason = status.reason || reason;
      detail = status.message || detail;
    }
  } catch {
    // not a metav1.Status; keep the text
  }
  return new ApiError(method, url, res.status, reason, detail);
}

function httpReason(status: number): string {
  const reasons: Record<number, string> = { 400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 409: 'Conflict', 422: 'Invalid', 429: 'TooManyRequests', 500: 'InternalError', 503: 'ServiceUnavailable' };
  return reasons[status] ?? 'Unknown';
}

/** "ECONNREFUSED: connect ECONNREFUSED 10.0.0.2:6443": the code and message of a connection-level failure. */
export function describeConnectionError(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.cause?.code ?? e.code;
  const message = e.cause?.message ?? e.message ?? String(err);
  return code ? `${code}: ${message}` : message;
}

// --- kubeconfig ------------------------------------------------------------------------------------

interface KubeconfigFile {
  clusters?: Array<{ name: string; cluster: { server: string; 'certificate-authority-data'?: string; 'certificate-authority'?: string; 'insecure-skip-tls-verify'?: boolean } }>;
  users?: Array<{ name: string; user: { 'client-certificate-data'?: string; 'client-key-data'?: string; 'client-certificate'?: string; 'client-key'?: string; token?: string } }>;
  contexts?: Array<{ name: string; context: { cluster: string; user: string } }>;
  'current-context'?: string;
}

/** Reads a file a kubeconfig refers to by path (kubelet.conf points at /var/lib/kubelet/pki/...). */
export type FileReader = (path: string) => Promise<string>;

/** Resolves a kubeconfig's current context into TLS options (errors name the kubeconfig, not its data). */
export async function tlsFromKubeconfig(text: string, source: string, readFile: FileReader): Promise<TlsOptions> {
  let doc: KubeconfigFile;
  try {
    doc = parse(text) as KubeconfigFile;
  } catch (err) {
    throw new Error(`${source} is not valid YAML (${(err as Error).message.split('\n')[0]}); expected a kubeconfig`, { cause: err });
  }
  const fail = (what: string): never => {
    throw new Error(`${source}: ${what}; expected a kubeconfig as kubeadm writes it (regenerate it with \`kgen-boot phase kubeconfig\`)`);
  };
  const contextName = doc['current-context'] ?? fail('no current-context');
  const context = doc.contexts?.find((c) => c.name === contextName)?.context ?? fail(`context "${contextName}" not found`);
  const cluster = doc.clusters?.find((c) => c.name === context.cluster)?.cluster ?? fail(`cluster "${context.cluster}" not found`);
  const user = doc.users?.find((u) => u.name === context.user)?.user ?? fail(`user "${context.user}" not found`);
  const data = async (inline: string | undefined, path: string | undefined) =>
    inline ? Buffer.from(inline, 'base64').toString('utf8') : path ? readFile(path) : undefined;
  const ca = await data(cluster['certificate-authority-data'], cluster['certificate-authority']);
  const cert = await data(user['client-certificate-data'], user['client-certificate']);
  const key = await data(user['client-key-data'], user['client-key']);
  const credentials: Credentials =
    cert && key ? { kind: 'certificate', cert, key } : user.token ? { kind: 'token', token: user.token } : { kind: 'anonymous' };
  return { server: cluster.server, ca, insecure: cluster['insecure-skip-tls-verify'] === true, credentials };
}

// --- dry run ---------------------------------------------------------------------------------------

/**
 * A transport that sends nothing (model: kubeadm's dry-run client, cmd/kubeadm/app/util/apiclient/
 * dryrunclient.go with its init getter): it prints each mutating request ("[dryrun] Would perform action
 * CREATE on resource ..."), answers health probes with 200, a GET of a Node with a bare Node (the kubelet
 * would have registered it), reads of `simulated` objects (a joiner's dry run: src/boot/dry-run-cluster.ts)
 * with that object, other reads with 404 (nothing exists yet), and echoes written objects back with a
 * placeholder uid.
 */
export function dryRunTransport(print: (line: string) => void, simulated?: (path: string) => unknown): Transport & { recorded: TransportRequest[] } {
  const recorded: TransportRequest[] = [];
  const transport = async (req: TransportRequest): Promise<TransportResponse> => {
    recorded.push(req);
    if (req.method === 'GET') {
      if (/\/(healthz|livez|readyz)$/.test(req.path)) return { status: 200, body: 'ok' };
      const object = simulated?.(req.path.split('?')[0]!);
      if (object !== undefined) {
        // As kubeadm's dry-run reactors: the action, then the object it answers with (secrets redacted).
        const body = JSON.stringify(object);
        for (const line of describeRequest({ method: 'GET', path: req.path, body })) print(line);
        return { status: 200, body };
      }
      const node = /^\/api\/v1\/nodes\/([^/?]+)$/.exec(req.path);
      if (node) return { status: 200, body: JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: decodeURIComponent(node[1]!), resourceVersion: '1' } }) };
      return { status: 404, body: JSON.stringify({ kind: 'Status', reason: 'NotFound', message: 'dry run: nothing exists' }) };
    }
    return printWrite(req, print);
  };
  return Object.assign(transport, { recorded });
}

/** Prints a mutating request as kubeadm's dry-run client does (./dry-run-print.ts) and echoes its object back with a placeholder uid. */
function printWrite(req: TransportRequest, print: (line: string) => void): TransportResponse {
  for (const line of describeRequest(req)) print(line);
  const echoed = req.body ? (JSON.parse(req.body) as { metadata?: Record<string, unknown> }) : {};
  if (echoed.metadata && echoed.metadata.uid === undefined) echoed.metadata.uid = 'dry-run';
  return { status: req.method === 'POST' ? 201 : 200, body: JSON.stringify(echoed) };
}

/**
 * A dry run against a cluster that exists (kubeadm's dry-run client with a real getter): reads go to the
 * cluster, so every decision is the one a real run would take; writes are only printed.
 */
export function readThroughDryRunTransport(real: Transport, print: (line: string) => void): Transport {
  return async (req) => (req.method === 'GET' ? real(req) : printWrite(req, print));
}
