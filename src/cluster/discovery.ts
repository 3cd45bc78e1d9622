// Token discovery for `kubeadm join` (upstream cmd/kubeadm/app/discovery/token/token.go
// retrieveValidatedConfigInfo / getClusterInfo / validateClusterInfoToken / validateClusterCA):
//   1. GET kube-public/cluster-info anonymously WITHOUT TLS verification, retrying (capped exponential
//      backoff with jitter, each wait logged) through connection errors, 4xx/5xx and a missing
//      `jws-kubeconfig-<token id>` until the deadline: joiners often boot before the init node is up, and the
//      bootstrapsigner patches the signature in after the ConfigMap exists;
//   2. verify the detached JWS with the token secret (a mismatch is final: a forged answer or a wrong token);
//   3. parse the kubeconfig: exactly one cluster with a server and certificate-authority-data;
//   4. pin the CA: "sha256:" + hex SHA-256 of a CA certificate's DER SubjectPublicKeyInfo must equal one of
//      caCertHashes (cmd/kubeadm/app/util/pubkeypin/pubkeypin.go);
//   5. GET cluster-info again with full TLS verification against that CA and require identical kubeconfig bytes.
// kgen always pins (there is no unsafe-skip-CA-verification). Errors and log lines name the token by its id
// only; CA pins are public and are named in full.
import { parse } from '../yaml-input.js';
import { caCertHash } from '../pki/index.js';
import type { Discovery } from '../contract/config.js';
import { verifyDetachedJWS } from './jws.js';
import { loadUndici } from './undici.js';

export interface DiscoveryDeps {
  /** GET https://<endpoint>/api/v1/namespaces/kube-public/configmaps/cluster-info; `ca` undefined = no TLS verification. */
  fetchClusterInfo(endpoint: string, ca: string | undefined): Promise<{ status: number; body: string }>;
  clock: { now(): Date; sleep(ms: number): Promise<void> };
  /** [0,1) for jitter. */
  random: () => number;
  /** kubeadm-style "[discovery] ..." lines. */
  log: (line: string) => void;
}

export interface DiscoveredCluster {
  /** The API server URL cluster-info names (the control-plane endpoint). */
  server: string;
  /** The pinned cluster CA (PEM, as certificate-authority-data holds it). */
  caCertPem: string;
  /** The cluster entry's name in cluster-info, or kubeadm's DefaultClusterName "kubernetes" when it is empty (as kubeadm writes it). */
  clusterName: string;
  /** The cluster-info kubeconfig text, verified (JWS, CA pin, identical over verified TLS). */
  kubeconfig: string;
}

export type DiscoveryFailure =
  | 'jws-invalid'
  | 'pin-mismatch'
  | 'no-signature'
  | 'refetch-differs'
  | 'bad-cluster-info'
  | 'timeout'
  /** The discovery settings themselves are malformed (token format, pin format, no pin). */
  | 'bad-config';

export class DiscoveryError extends Error {
  constructor(
    readonly reason: DiscoveryFailure,
    message: string,
    readonly endpoint: string,
    /** The token id (never the secret). */
    readonly tokenId: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DiscoveryError';
  }
}

/** Backoff between cluster-info polls: capped exponential, jitter in [50%, 100%]. kubeadm polls every 5s (DiscoveryRetryInterval). */
export const DISCOVERY_BACKOFF = { baseMs: 500, maxMs: 5000 } as const;

const CLUSTER_INFO_PATH = '/api/v1/namespaces/kube-public/configmaps/cluster-info';
const TOKEN_RE = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
const PIN_RE = /^sha256:[0-9a-f]{64}$/;
const DEFAULT_CLUSTER_NAME = 'kubernetes';

type ConfigMapData = Record<string, string>;

export async function discover(d: Discovery, deps: DiscoveryDeps): Promise<DiscoveredCluster> {
  const endpoint = d.apiServerEndpoint;
  const match = TOKEN_RE.exec(d.token);
  if (!match) {
    throw new DiscoveryError('bad-config', `discovery token for ${endpoint} is not of the form [a-z0-9]{6}.[a-z0-9]{16}; re-render the node with a valid bootstrap token`, endpoint, undefined);
  }
  const [, tokenId, tokenSecret] = match as unknown as [string, string, string];
  const pins = d.caCertHashes.map((p) => p.toLowerCase());
  const badPins = pins.filter((p) => !PIN_RE.test(p));
  if (pins.length === 0 || badPins.length > 0) {
    throw new DiscoveryError(
      'bad-config',
      pins.length === 0
        ? `no CA pin (discovery.caCertHashes) for ${endpoint}: kgen always pins the cluster CA; re-render the node`
        : `discovery.caCertHashes has ${badPins.map((p) => JSON.stringify(p)).join(', ')}; expected "sha256:" followed by 64 hex characters`,
      endpoint,
      tokenId,
    );
  }
  const deadline = deps.clock.now().getTime() + d.timeoutSeconds * 1000;
  const ctx: PollContext = { endpoint, tokenId, deadline, timeoutSeconds: d.timeoutSeconds, deps };

  deps.log(`[discovery] Created cluster-info discovery client, requesting info at https://${endpoint} without TLS verification`);
  const insecure = await pollClusterInfo(ctx, undefined);
  const kubeconfig = insecure.kubeconfig;
  if (!verifyDetachedJWS(kubeconfig, insecure.signature, tokenId, tokenSecret)) {
    throw new DiscoveryError(
      'jws-invalid',
      `failed to verify the JWS signature of cluster-info from ${endpoint} for token id ${tokenId}: can't trust this API server. ` +
        'Either the token secret does not match the cluster (re-render the node with the current token) or the answer was forged',
      endpoint,
      tokenId,
    );
  }

  const cluster = parseClusterInfoKubeconfig(kubeconfig, endpoint, tokenId);
  const caCertPem = Buffer.from(cluster.caData, 'base64').toString('utf8');
  const found = caHashes(caCertPem, endpoint, tokenId);
  if (!found.some((h) => pins.includes(h))) {
    throw new DiscoveryError(
      'pin-mismatch',
      `the cluster CA in cluster-info from ${endpoint} has public-key hash ${found.join(', ')}, which matches none of the pinned ${pins.join(', ')}: ` +
        'possible man-in-the-middle, or the pin belongs to another cluster. Compare discovery.caCertHashes with the hash of the init node\'s /etc/kubernetes/pki/ca.crt',
      endpoint,
      tokenId,
    );
  }
  deps.log(`[discovery] Cluster info signature and contents are valid and the CA matches a pinned public key; requesting cluster-info again over verified TLS`);

  const secure = await pollClusterInfo(ctx, caCertPem);
  if (secure.kubeconfig !== kubeconfig) {
    throw new DiscoveryError(
      'refetch-differs',
      `the second cluster-info from ${endpoint} (over TLS verified against the pinned CA) has a different kubeconfig than the first: ` +
        'cluster-info changed during discovery or the first answer was not from this cluster; retry the join',
      endpoint,
      tokenId,
    );
  }
  deps.log(`[discovery] Cluster info is valid and TLS validates against the pinned CA; will use API server "${cluster.server}"`);
  return { server: cluster.server, caCertPem, clusterName: cluster.name || DEFAULT_CLUSTER_NAME, kubeconfig };
}

// ---- polling -------------------------------------------------------------------------------------------

interface PollContext {
  endpoint: string;
  tokenId: string;
  deadline: number;
  timeoutSeconds: number;
  deps: DiscoveryDeps;
}

type Attempt =
  | { kind: 'signed'; kubeconfig: string; signature: string }
  /** cluster-info was read but carries no signature for our token id yet. */
  | { kind: 'unsigned'; detail: string }
  /** cluster-info could not be read (connection error, HTTP error, not a ConfigMap). */
  | { kind: 'failed'; detail: string; cause?: unknown };

/** Polls until cluster-info carries our signature, or throws at the deadline (always one attempt at least). */
async function pollClusterInfo(ctx: PollContext, ca: string | undefined): Promise<{ kubeconfig: string; signature: string }> {
  const { deps, endpoint, tokenId } = ctx;
  let last: Attempt | undefined;
  let sawClusterInfo = false;
  for (let attempt = 0; ; attempt++) {
    last = await fetchOnce(ctx, ca);
    if (last.kind === 'signed') return last;
    if (last.kind === 'unsigned') sawClusterInfo = true;
    const remaining = ctx.deadline - deps.clock.now().getTime();
    if (remaining <= 0) break;
    const exp = Math.min(DISCOVERY_BACKOFF.maxMs, DISCOVERY_BACKOFF.baseMs * 2 ** Math.min(attempt, 20));
    const delay = Math.min(remaining, Math.max(1, Math.round(exp * (0.5 + 0.5 * deps.random()))));
    deps.log(`[discovery] ${last.detail}; retrying in ${(delay / 1000).toFixed(1)}s`);
    await deps.clock.sleep(delay);
  }
  if (sawClusterInfo) {
    throw new DiscoveryError(
      'no-signature',
      `no JWS signature for token id ${tokenId} in cluster-info from ${endpoint} after ${ctx.timeoutSeconds}s: the token is unknown to the cluster or expired ` +
        '(or the controller-manager\'s bootstrapsigner is not running). Create a new token on a control-plane node (kubeadm token create) and re-render the node',
      endpoint,
      tokenId,
    );
  }
  throw new DiscoveryError(
    'timeout',
    `timed out after ${ctx.timeoutSeconds}s reading cluster-info from ${endpoint}${ca ? ' over TLS verified against the pinned CA' : ''}: ${last.detail}. ` +
      'Check that the control-plane endpoint is reachable from this node and that the init node finished',
    endpoint,
    tokenId,
    { cause: last.kind === 'failed' ? last.cause : undefined },
  );
}

async function fetchOnce(ctx: PollContext, ca: string | undefined): Promise<Attempt> {
  const { endpoint, tokenId } = ctx;
  let res: { status: number; body: string };
  try {
    res = await ctx.deps.fetchClusterInfo(endpoint, ca);
  } catch (cause) {
    return { kind: 'failed', detail: `could not reach https://${endpoint}: ${(cause as Error).message}`, cause };
  }
  if (res.status !== 200) {
    return { kind: 'failed', detail: `GET https://${endpoint}${CLUSTER_INFO_PATH} answered HTTP ${res.status}${statusMessage(res.body)}` };
  }
  let data: ConfigMapData;
  try {
    data = configMapData(res.body);
  } catch (cause) {
    return { kind: 'failed', detail: `GET https://${endpoint}${CLUSTER_INFO_PATH} did not return a ConfigMap: ${(cause as Error).message}`, cause };
  }
  const kubeconfig = data.kubeconfig;
  const signature = data[`jws-kubeconfig-${tokenId}`];
  if (!signature) return { kind: 'unsigned', detail: `cluster-info has no JWS signature for token id ${tokenId} yet` };
  if (!kubeconfig) {
    throw new DiscoveryError(
      'bad-cluster-info',
      `cluster-info from ${endpoint} has no "kubeconfig" key: this API server is not set up for token discovery`,
      endpoint,
      tokenId,
    );
  }
  return { kind: 'signed', kubeconfig, signature };
}

function configMapData(body: string): ConfigMapData {
  const obj = JSON.parse(body) as { kind?: unknown; data?: unknown };
  if (typeof obj !== 'object' || obj === null || obj.kind !== 'ConfigMap') throw new Error(`expected kind ConfigMap, found ${JSON.stringify((obj as { kind?: unknown })?.kind)}`);
  const data = obj.data ?? {};
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new Error('its data is not a map');
  const out: ConfigMapData = {};
  for (const [k, v] of Object.entries(data)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** The API server's Status message, if the body is one (never echoes other bodies). */
function statusMessage(body: string): string {
  try {
    const s = JSON.parse(body) as { kind?: string; message?: string };
    return s.kind === 'Status' && typeof s.message === 'string' ? `: ${s.message}` : '';
  } catch {
    return '';
  }
}

// ---- the kubeconfig and its CA -------------------------------------------------------------------------

function parseClusterInfoKubeconfig(text: string, endpoint: string, tokenId: string): { name: string; server: string; caData: string } {
  const bad = (what: string, cause?: unknown) =>
    new DiscoveryError('bad-cluster-info', `malformed kubeconfig in cluster-info from ${endpoint}: ${what}; expected one cluster with server and certificate-authority-data`, endpoint, tokenId, { cause });
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (cause) {
    throw bad('not valid YAML', cause);
  }
  const clusters = (doc as { clusters?: unknown } | null)?.clusters;
  if (!Array.isArray(clusters) || clusters.length !== 1) throw bad(`found ${Array.isArray(clusters) ? clusters.length : 'no'} clusters`);
  const entry = clusters[0] as { name?: unknown; cluster?: { server?: unknown; 'certificate-authority-data'?: unknown } };
  const server = entry?.cluster?.server;
  const caData = entry?.cluster?.['certificate-authority-data'];
  if (typeof server !== 'string' || !/^https:\/\/\S+$/.test(server)) throw bad(`the cluster's server is ${JSON.stringify(server)}, not an https URL`);
  if (typeof caData !== 'string' || caData.length === 0) throw bad('the cluster has no certificate-authority-data');
  return { name: typeof entry.name === 'string' ? entry.name : '', server, caData };
}

/** Pins of every certificate in the CA bundle (kubeadm checks any of them against the pin set). */
function caHashes(bundle: string, endpoint: string, tokenId: string): string[] {
  const blocks = bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  try {
    if (blocks.length === 0) throw new Error('no PEM CERTIFICATE block');
    return blocks.map((b) => caCertHash(b));
  } catch (cause) {
    throw new DiscoveryError(
      'bad-cluster-info',
      `could not read the cluster CA in cluster-info from ${endpoint}: ${(cause as Error).message}; expected PEM certificates in certificate-authority-data`,
      endpoint,
      tokenId,
      { cause },
    );
  }
}

// ---- the real fetcher ----------------------------------------------------------------------------------


/**
 * The real cluster-info GET over undici: anonymous, TLS verified against `ca` when given and not verified at
 * all otherwise. One short-lived connection per call (discovery polls slowly), bounded by `timeoutMs`.
 */
export function httpsClusterInfoFetcher(opts: { timeoutMs?: number } = {}): DiscoveryDeps['fetchClusterInfo'] {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return async (endpoint, ca) => {
    const { Agent, request } = await loadUndici();
    const dispatcher = new Agent({
      connect: ca === undefined ? { rejectUnauthorized: false, timeout: timeoutMs } : { ca, rejectUnauthorized: true, timeout: timeoutMs },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      pipelining: 0,
    });
    try {
      const res = await request.call(dispatcher, {
        origin: `https://${endpoint}`,
        path: CLUSTER_INFO_PATH,
        method: 'GET',
        headers: { accept: 'application/json', 'user-agent': 'kgen-boot' },
      });
      return { status: res.statusCode, body: await res.body.text() };
    } finally {
      await dispatcher.close().catch(() => undefined);
    }
  };
}
