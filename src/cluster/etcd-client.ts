// A small etcd v3 membership client over etcd's JSON gRPC gateway (POST /v3/cluster/member/{list,add,promote,
// remove}; GET /health), with the etcd client certificate — what kubeadm's stacked-etcd join needs (upstream
// cmd/kubeadm/app/util/etcd/etcd.go: ListMembers, AddMemberAsLearner, MemberPromote, RemoveMember,
// CheckClusterHealth). etcd 3.4 serves the gateway under /v3/.
// - uint64 IDs travel as decimal strings: the gateway writes them quoted, and any bare integer it might write
//   for an ID field is quoted before JSON.parse so no ID ever passes through a float;
// - every call tries the endpoints in turn on connection errors and 5xx (etcd's Unavailable: leader elections,
//   a member restarting), then backs off (capped exponential, jitter) and goes round again;
// - addLearner is idempotent by peer URL; promote returns at once for a voting member and otherwise retries
//   "can only promote a learner member which is in sync with leader" until the learner caught up;
//   remove treats "member not found" as already removed;
// - snapshot streams POST /v3/maintenance/snapshot (server streaming: one JSON object a line, each a base64
//   blob; etcd appends the SHA-256 of the database as the last 32 bytes, which is checked here as
//   etcdutl's snapshot restore does: server/etcdserver/api/v3rpc/maintenance.go Snapshot);
// - errors carry the endpoint, the gateway path, the HTTP status and etcd's message (never a key).
import { createHash } from 'node:crypto';
import type { Dispatcher } from 'undici';
import { realClock, realRandom } from '../clock.js';
import { loadUndici, type Undici } from './undici.js';

/** PEM contents. */
export interface EtcdTls {
  ca: string;
  cert: string;
  key: string;
}

export interface EtcdMember {
  /** Decimal string, as the gateway returns the uint64 (etcdctl prints it in hex). */
  id: string;
  /** Empty for a member that was added but has not started yet. */
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

export interface EtcdClientDeps {
  clock?: { now(): Date; sleep(ms: number): Promise<void> };
  /** [0,1) for jitter. */
  random?: () => number;
  /** kubeadm-style "[etcd] ..." lines. */
  log?: (line: string) => void;
  /** Per request (connect, headers, body); default 10s. */
  requestTimeoutMs?: number;
  /** Rounds over all endpoints before a call gives up; default 8 (about 20s: etcd answers "unhealthy cluster" until every voting member has been connected for 5s). */
  attempts?: number;
  /** How long promote waits for the learner to catch up; default 120s (kubeadm's EtcdAPICall timeout is 2m). */
  promoteTimeoutMs?: number;
}

/** etcd answered with an error, or no endpoint could be reached (status undefined). */
export class EtcdError extends Error {
  constructor(
    readonly endpoint: string,
    readonly path: string,
    readonly status: number | undefined,
    /** etcd's message, e.g. "etcdserver: member not found", or the connection error. */
    readonly etcdMessage: string,
    options?: { cause?: unknown },
  ) {
    super(`etcd ${endpoint}${path}: ${status === undefined ? 'connection failed' : `HTTP ${status}`}: ${etcdMessage}`, options);
    this.name = 'EtcdError';
  }
}

/** etcd's rpctypes errors the client acts on (server/etcdserver/api/v3rpc/rpctypes/error.go). */
const ERR_LEARNER_NOT_READY = 'etcdserver: can only promote a learner member which is in sync with leader';
const ERR_NOT_LEARNER = 'etcdserver: can only promote a learner member';
const ERR_MEMBER_NOT_FOUND = 'etcdserver: member not found';
const ERR_PEER_URL_EXISTS = 'etcdserver: Peer URLs already exists';

const BACKOFF = { baseMs: 250, maxMs: 5000 } as const;
const ID_FIELDS = /"(ID|member_id|cluster_id|leader|revision|raft_term)"\s*:\s*(\d+)/g;


interface RawMember {
  ID?: string;
  name?: string;
  peerURLs?: string[];
  clientURLs?: string[];
  isLearner?: boolean;
}

/** Hex form of a decimal member ID, as etcdctl and kubeadm's logs show it. */
export function memberIdHex(id: string): string {
  return BigInt(id).toString(16);
}

function toMember(m: RawMember): EtcdMember {
  return { id: String(m.ID ?? ''), name: m.name ?? '', peerURLs: m.peerURLs ?? [], clientURLs: m.clientURLs ?? [], isLearner: m.isLearner === true };
}

function checkId(id: string): void {
  if (!/^[0-9]{1,20}$/.test(id) || BigInt(id) >= 2n ** 64n) {
    throw new Error(`etcd member ID ${JSON.stringify(id)} is not a decimal uint64; expected the id field of an EtcdMember (etcdctl shows IDs in hex)`);
  }
}

export class EtcdClient {
  private readonly clock: NonNullable<EtcdClientDeps['clock']>;
  private readonly random: () => number;
  private readonly log: (line: string) => void;
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private readonly promoteTimeoutMs: number;
  private agent: Promise<{ dispatcher: Dispatcher; request: Undici['request'] }> | undefined;
  /** Index of the endpoint that answered last; calls start there. */
  private current = 0;

  constructor(
    readonly endpoints: string[],
    private readonly tls: EtcdTls,
    deps: EtcdClientDeps = {},
  ) {
    if (endpoints.length === 0) throw new Error('no etcd endpoints given; expected client URLs such as https://10.0.0.11:2379');
    for (const e of endpoints) {
      if (!/^https:\/\/[^/]+\/?$/.test(e)) throw new Error(`etcd endpoint ${JSON.stringify(e)} is not an https client URL; expected https://<host>:2379`);
    }
    this.clock = deps.clock ?? realClock;
    this.random = deps.random ?? (() => realRandom.float());
    this.log = deps.log ?? (() => undefined);
    this.timeoutMs = deps.requestTimeoutMs ?? 10_000;
    this.attempts = deps.attempts ?? 8;
    this.promoteTimeoutMs = deps.promoteTimeoutMs ?? 120_000;
  }

  async memberList(): Promise<EtcdMember[]> {
    const res = await this.call<{ members?: RawMember[] }>('/v3/cluster/member/list', {});
    return (res.members ?? []).map(toMember);
  }

  /** Adds `peerURL` as a learner (etcd allows one learner at a time); returns the existing member if it is one already. */
  async addLearner(peerURL: string): Promise<{ member: EtcdMember; members: EtcdMember[] }> {
    if (!/^https?:\/\/[^/\s]+\/?$/.test(peerURL)) throw new Error(`etcd peer URL ${JSON.stringify(peerURL)} is not a URL; expected https://<address>:2380`);
    const existing = await this.findByPeerURL(peerURL);
    if (existing) {
      this.log(`[etcd] ${peerURL} is already an etcd member (${memberIdHex(existing.member.id)}); not adding it again`);
      return existing;
    }
    try {
      const res = await this.call<{ member?: RawMember; members?: RawMember[] }>('/v3/cluster/member/add', { peerURLs: [peerURL], isLearner: true });
      const member = toMember(res.member ?? {});
      this.log(`[etcd] Added ${peerURL} as learner member ${memberIdHex(member.id)}`);
      return { member, members: (res.members ?? []).map(toMember) };
    } catch (err) {
      // A retried add whose first attempt went through, or a concurrent joiner with the same URL.
      if (err instanceof EtcdError && err.etcdMessage === ERR_PEER_URL_EXISTS) {
        const now = await this.findByPeerURL(peerURL);
        if (now) return now;
      }
      throw err;
    }
  }

  /** Promotes a learner to a voting member once it is in sync with the leader; nothing to do for a voting member. */
  async promote(id: string): Promise<void> {
    checkId(id);
    const hex = memberIdHex(id);
    const deadline = this.clock.now().getTime() + this.promoteTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      const member = (await this.memberList()).find((m) => m.id === id);
      if (!member) throw new EtcdError(this.endpoints[this.current]!, '/v3/cluster/member/promote', 404, `${ERR_MEMBER_NOT_FOUND} (${hex})`);
      if (!member.isLearner) {
        this.log(`[etcd] Member ${hex} already promoted`);
        return;
      }
      try {
        if (attempt === 0) this.log(`[etcd] Promoting a learner as a voting member: ${hex}`);
        await this.call('/v3/cluster/member/promote', { ID: id });
        return;
      } catch (err) {
        if (!(err instanceof EtcdError)) throw err;
        if (err.etcdMessage === ERR_NOT_LEARNER) return; // promoted meanwhile
        if (err.etcdMessage !== ERR_LEARNER_NOT_READY) throw err;
        const remaining = deadline - this.clock.now().getTime();
        if (remaining <= 0) {
          throw new EtcdError(err.endpoint, err.path, err.status, `${err.etcdMessage}: learner ${hex} did not catch up within ${Math.round(this.promoteTimeoutMs / 1000)}s; check that its etcd is running and reaches the other members' peer URLs`, { cause: err });
        }
        const delay = Math.min(remaining, this.backoffMs(attempt));
        this.log(`[etcd] Learner ${hex} is not in sync with the leader yet; retrying the promotion in ${(delay / 1000).toFixed(1)}s`);
        await this.clock.sleep(delay);
      }
    }
  }

  /** Removes a member; a member that is already gone counts as removed. */
  async remove(id: string): Promise<void> {
    checkId(id);
    try {
      await this.call('/v3/cluster/member/remove', { ID: id });
      this.log(`[etcd] Removed member ${memberIdHex(id)}`);
    } catch (err) {
      if (err instanceof EtcdError && err.etcdMessage === ERR_MEMBER_NOT_FOUND) {
        this.log(`[etcd] Member ${memberIdHex(id)} was already removed`);
        return;
      }
      throw err;
    }
  }

  /**
   * GET /health (a member with a leader that commits a quorum read, as `etcdctl endpoint health`): of one endpoint
   * when given, else of every endpoint of this client. Never throws; a failure is logged and answers false.
   */
  async health(endpoint?: string): Promise<boolean> {
    const targets = endpoint === undefined ? this.endpoints : [endpoint];
    const results = await Promise.all(
      targets.map(async (e) => {
        try {
          const res = await this.send(e, 'GET', '/health');
          const healthy = res.status === 200 && (JSON.parse(res.body) as { health?: unknown }).health === 'true';
          if (!healthy) this.log(`[etcd] ${e} is not healthy: HTTP ${res.status} ${res.body.trim()}`);
          return healthy;
        } catch (err) {
          this.log(`[etcd] ${e} is not healthy: ${(err as Error).message}`);
          return false;
        }
      }),
    );
    return results.every(Boolean);
  }

  /**
   * A v3 snapshot of the member at `endpoint` (default: the first endpoint that answers): the bolt database
   * followed by its SHA-256, as `etcdctl snapshot save` writes it. The hash is checked before returning.
   */
  async snapshot(endpoint?: string): Promise<Buffer> {
    const path = '/v3/maintenance/snapshot';
    let last: EtcdError | undefined;
    for (const e of endpoint === undefined ? this.endpoints : [endpoint]) {
      let res: { status: number; body: string };
      try {
        res = await this.send(e, 'POST', path, '{}');
      } catch (cause) {
        last = new EtcdError(e, path, undefined, (cause as Error).message, { cause });
        continue;
      }
      const data = snapshotStream(e, path, res);
      if (data instanceof EtcdError) {
        last = data;
        continue;
      }
      if (data.length <= 32 || !createHash('sha256').update(data.subarray(0, -32)).digest().equals(data.subarray(-32))) {
        throw new EtcdError(e, path, res.status, `snapshot of ${data.length} bytes does not end with the SHA-256 of its database; the stream was cut or corrupted`);
      }
      this.log(`[etcd] Snapshot of ${e}: ${data.length - 32} bytes`);
      return data;
    }
    throw last!;
  }

  async close(): Promise<void> {
    const a = this.agent;
    this.agent = undefined;
    if (a) await (await a).dispatcher.close();
  }

  // ---- transport ---------------------------------------------------------------------------------------

  private async findByPeerURL(peerURL: string): Promise<{ member: EtcdMember; members: EtcdMember[] } | undefined> {
    const members = await this.memberList();
    const member = members.find((m) => m.peerURLs.includes(peerURL));
    return member ? { member, members } : undefined;
  }

  private backoffMs(attempt: number): number {
    const exp = Math.min(BACKOFF.maxMs, BACKOFF.baseMs * 2 ** Math.min(attempt, 20));
    return Math.max(1, Math.round(exp * (0.5 + 0.5 * this.random())));
  }

  /** POSTs JSON to the endpoints in turn (starting with the last one that answered) until one answers below 500. */
  private async call<T>(path: string, body: unknown): Promise<T> {
    let last: EtcdError | undefined;
    for (let round = 0; round < this.attempts; round++) {
      if (round > 0) {
        const delay = this.backoffMs(round - 1);
        this.log(`[etcd] ${last!.message}; retrying in ${(delay / 1000).toFixed(1)}s`);
        await this.clock.sleep(delay);
      }
      for (let i = 0; i < this.endpoints.length; i++) {
        const index = (this.current + i) % this.endpoints.length;
        const endpoint = this.endpoints[index]!;
        let res: { status: number; body: string };
        try {
          res = await this.send(endpoint, 'POST', path, JSON.stringify(body));
        } catch (cause) {
          last = new EtcdError(endpoint, path, undefined, (cause as Error).message, { cause });
          continue;
        }
        const parsed = parseBody(res.body);
        if (res.status >= 500 || parsed === undefined) {
          last = new EtcdError(endpoint, path, res.status, errorMessage(parsed) ?? `unexpected answer: ${res.body.slice(0, 200)}`);
          continue;
        }
        this.current = index;
        if (res.status !== 200) throw new EtcdError(endpoint, path, res.status, errorMessage(parsed) ?? `HTTP ${res.status}`);
        return parsed as T;
      }
    }
    throw last!;
  }

  private async send(endpoint: string, method: 'GET' | 'POST', path: string, body?: string): Promise<{ status: number; body: string }> {
    this.agent ??= loadUndici().then(({ Agent, request }) => ({
      request,
      dispatcher: new Agent({
        connect: { ca: this.tls.ca, cert: this.tls.cert, key: this.tls.key, rejectUnauthorized: true, timeout: this.timeoutMs },
        headersTimeout: this.timeoutMs,
        // Between two chunks of the body, not for the whole body (a snapshot is as long as the database).
        bodyTimeout: this.timeoutMs,
      }),
    }));
    const { dispatcher, request } = await this.agent;
    const url = new URL(endpoint);
    const res = await request.call(dispatcher, {
      origin: url.origin,
      path,
      method,
      headers: { 'content-type': 'application/json', accept: 'application/json', 'user-agent': 'kgen-boot' },
      body,
    });
    return { status: res.statusCode, body: await res.body.text() };
  }
}

/** The blobs of a snapshot stream (one JSON object a line), joined; or the error etcd answered with. */
function snapshotStream(endpoint: string, path: string, res: { status: number; body: string }): Buffer | EtcdError {
  const chunks: Buffer[] = [];
  for (const line of res.body.split('\n').filter((l) => l.trim() !== '')) {
    const parsed = parseBody(line) as { result?: { blob?: string }; error?: Record<string, unknown> } | undefined;
    if (res.status !== 200 || parsed?.result === undefined) {
      return new EtcdError(endpoint, path, res.status, errorMessage(parsed?.error) ?? errorMessage(parsed) ?? `unexpected answer: ${line.slice(0, 200)}`);
    }
    chunks.push(Buffer.from(parsed.result.blob ?? '', 'base64'));
  }
  return Buffer.concat(chunks);
}

/** JSON with every ID-like uint64 field quoted first, so none is rounded through a float. */
function parseBody(text: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(text.replace(ID_FIELDS, '"$1":"$2"')) as unknown;
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The gateway's error text: {"error": ..., "message": ..., "code": ...} (3.4 writes both error and message). */
function errorMessage(body: Record<string, unknown> | undefined): string | undefined {
  const m = body?.message ?? body?.error;
  return typeof m === 'string' && m.length > 0 ? m : undefined;
}
