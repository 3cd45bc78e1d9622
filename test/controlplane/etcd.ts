// A minimal etcd v3 client over etcd's JSON gRPC gateway (etcd 3.4: POST /v3/kv/range, /v3/kv/put,
// /v3/kv/deleterange, /v3/kv/txn; keys and values base64; int64 fields as JSON strings; zero values
// and `false` omitted). The API server keeps all state here, as upstream's storage/etcd3 store does
// (staging/src/k8s.io/apiserver/pkg/storage/etcd3/store.go): creates and updates are transactions
// that compare mod_revision, so several API servers on one etcd cluster stay consistent.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';

export interface KeyValue {
  key: string;
  value: Buffer;
  modRevision: number;
  createRevision: number;
}

export interface EtcdTlsFiles {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

interface RawKv {
  key: string;
  value?: string;
  mod_revision?: string;
  create_revision?: string;
}

interface RawHeader {
  revision?: string;
}

export class EtcdError extends Error {
  constructor(
    message: string,
    readonly endpoint: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');

/** The key just after every key with this prefix (etcd's range_end for a prefix scan). */
function prefixEnd(prefix: string): string {
  const bytes = Buffer.from(prefix);
  bytes[bytes.length - 1]! += 1;
  return bytes.toString('base64');
}

function toKv(raw: RawKv): KeyValue {
  return {
    key: Buffer.from(raw.key, 'base64').toString(),
    value: Buffer.from(raw.value ?? '', 'base64'),
    modRevision: Number(raw.mod_revision ?? 0),
    createRevision: Number(raw.create_revision ?? 0),
  };
}

export class EtcdClient {
  private readonly agent: Agent;
  private next = 0;

  constructor(
    private readonly endpoints: string[],
    tls: EtcdTlsFiles,
  ) {
    if (endpoints.length === 0) throw new Error('etcd: no endpoints given; expected --etcd-servers=https://host:2379[,...]');
    this.agent = new Agent({
      connect: {
        ca: tls.caFile ? readFileSync(tls.caFile) : undefined,
        cert: tls.certFile ? readFileSync(tls.certFile) : undefined,
        key: tls.keyFile ? readFileSync(tls.keyFile) : undefined,
      },
    });
  }

  /** Calls one gateway method, trying each endpoint in turn (like clientv3's balancer). */
  private async call<T>(method: string, body: unknown): Promise<T> {
    let lastError: unknown;
    for (let attempt = 0; attempt < this.endpoints.length; attempt++) {
      const endpoint = this.endpoints[(this.next + attempt) % this.endpoints.length]!;
      try {
        const res = await request(new URL(`/v3/${method}`, endpoint), {
          method: 'POST',
          body: JSON.stringify(body),
          headers: { 'content-type': 'application/json' },
          dispatcher: this.agent,
        });
        const text = await res.body.text();
        if (res.statusCode !== 200) {
          throw new EtcdError(`etcd ${endpoint} /v3/${method} answered ${res.statusCode}: ${text.slice(0, 300)}`, endpoint);
        }
        this.next = (this.next + attempt) % this.endpoints.length;
        return JSON.parse(text) as T;
      } catch (err) {
        lastError = err;
      }
    }
    throw new EtcdError(`etcd unreachable at ${this.endpoints.join(',')}: ${(lastError as Error)?.message}`, this.endpoints.join(','), {
      cause: lastError,
    });
  }

  async get(key: string): Promise<KeyValue | undefined> {
    const res = await this.call<{ kvs?: RawKv[] }>('kv/range', { key: b64(key) });
    return res.kvs?.[0] ? toKv(res.kvs[0]) : undefined;
  }

  /** Every key under `prefix`, in key order, and the store revision the read was served at. */
  async list(prefix: string): Promise<{ kvs: KeyValue[]; revision: number }> {
    const res = await this.call<{ kvs?: RawKv[]; header?: RawHeader }>('kv/range', { key: b64(prefix), range_end: prefixEnd(prefix) });
    return { kvs: (res.kvs ?? []).map(toKv), revision: Number(res.header?.revision ?? 0) };
  }

  /** Current store revision (a cheap read used by readiness checks). */
  async revision(): Promise<number> {
    const res = await this.call<{ header?: RawHeader }>('kv/range', { key: b64('/registry/health'), count_only: true });
    return Number(res.header?.revision ?? 0);
  }

  /**
   * Writes `value` at `key` if the key's mod_revision equals `expectedModRevision` (0 = key absent).
   * Returns the new revision, or undefined when the comparison failed.
   */
  async putIf(key: string, value: Buffer, expectedModRevision: number): Promise<number | undefined> {
    const compare =
      expectedModRevision === 0
        ? { key: b64(key), target: 'CREATE', result: 'EQUAL', create_revision: '0' }
        : { key: b64(key), target: 'MOD', result: 'EQUAL', mod_revision: String(expectedModRevision) };
    const res = await this.call<{ succeeded?: boolean; header?: RawHeader }>('kv/txn', {
      compare: [compare],
      success: [{ request_put: { key: b64(key), value: b64(value) } }],
    });
    return res.succeeded ? Number(res.header?.revision) : undefined;
  }

  /** Deletes `key` if its mod_revision equals `expectedModRevision`; returns false when it did not. */
  async deleteIf(key: string, expectedModRevision: number): Promise<boolean> {
    const res = await this.call<{ succeeded?: boolean }>('kv/txn', {
      compare: [{ key: b64(key), target: 'MOD', result: 'EQUAL', mod_revision: String(expectedModRevision) }],
      success: [{ request_delete_range: { key: b64(key) } }],
    });
    return res.succeeded === true;
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}
