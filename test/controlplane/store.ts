// Object storage on etcd, after upstream's generic registry + etcd3 store
// (staging/src/k8s.io/apiserver/pkg/registry/generic/registry/store.go, .../storage/etcd3/store.go):
// key = <prefix>/<namespace>/<name> (or <prefix>/<name> for cluster-scoped resources), value = the
// object as JSON (upstream writes protobuf; JSON keeps etcdctl output readable), passed through the
// resource's encryption transformer. metadata.resourceVersion is never stored: it is the key's
// mod_revision on read. Creates compare create_revision=0, updates compare mod_revision, so several
// API servers sharing one etcd cluster cannot overwrite each other's writes. With `dryRun` (the
// ?dryRun=All query) every check runs and nothing is written.
import { randomBytes, randomUUID } from 'node:crypto';
import type { EtcdClient } from './etcd.js';
import type { Transformer } from './encryption.js';
import type { ResourceInfo } from './resources.js';
import { apiVersionOf } from './resources.js';
import { alreadyExists, conflict, notFound } from './status.js';

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

export type TransformerFor = (resource: ResourceInfo) => Transformer;

/** RFC 3339 with second precision, as metav1.Time marshals. */
export const rfc3339 = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

// names.SimpleNameGenerator (staging/src/k8s.io/apiserver/pkg/storage/names/generate.go)
const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
function generateSuffix(): string {
  return [...randomBytes(5)].map((b) => NAME_ALPHABET[b % NAME_ALPHABET.length]).join('');
}

export class Store {
  constructor(
    private readonly etcd: EtcdClient,
    private readonly transformerFor: TransformerFor,
    /** --etcd-prefix: replaces the leading /registry of every key. */
    private readonly prefix = '/registry',
  ) {}

  private base(res: ResourceInfo): string {
    return this.prefix.replace(/\/+$/, '') + res.storage.slice('/registry'.length);
  }

  key(res: ResourceInfo, namespace: string | undefined, name: string): string {
    return res.namespaced ? `${this.base(res)}/${namespace}/${name}` : `${this.base(res)}/${name}`;
  }

  private decode(res: ResourceInfo, key: string, value: Buffer, modRevision: number): KubeObject {
    const obj = JSON.parse(this.transformerFor(res).fromStorage(value, key).toString('utf8')) as KubeObject;
    obj.apiVersion = apiVersionOf(res);
    obj.kind = res.kind;
    obj.metadata.resourceVersion = String(modRevision);
    return obj;
  }

  private encode(res: ResourceInfo, key: string, obj: KubeObject): Buffer {
    const copy: KubeObject = { ...obj, apiVersion: apiVersionOf(res), kind: res.kind, metadata: { ...obj.metadata } };
    delete copy.metadata.resourceVersion;
    return this.transformerFor(res).toStorage(Buffer.from(JSON.stringify(copy)), key);
  }

  async get(res: ResourceInfo, namespace: string | undefined, name: string): Promise<KubeObject> {
    const key = this.key(res, namespace, name);
    const kv = await this.etcd.get(key);
    if (!kv) throw notFound(res, name);
    return this.decode(res, key, kv.value, kv.modRevision);
  }

  async tryGet(res: ResourceInfo, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    const key = this.key(res, namespace, name);
    const kv = await this.etcd.get(key);
    return kv ? this.decode(res, key, kv.value, kv.modRevision) : undefined;
  }

  /** Every object of `res` (in `namespace` when given), and the revision the list was read at. */
  async list(res: ResourceInfo, namespace?: string): Promise<{ items: KubeObject[]; resourceVersion: string }> {
    const prefix = res.namespaced && namespace ? `${this.base(res)}/${namespace}/` : `${this.base(res)}/`;
    const { kvs, revision } = await this.etcd.list(prefix);
    return { items: kvs.map((kv) => this.decode(res, kv.key, kv.value, kv.modRevision)), resourceVersion: String(revision) };
  }

  /** Creates `obj`, setting name (from generateName), uid and creationTimestamp. 409 AlreadyExists if present. */
  async create(res: ResourceInfo, obj: KubeObject, now: Date, dryRun = false): Promise<KubeObject> {
    const meta: ObjectMeta = { ...obj.metadata };
    if (!meta.name && meta.generateName) meta.name = meta.generateName + generateSuffix();
    meta.uid = randomUUID();
    meta.creationTimestamp = rfc3339(now);
    delete meta.resourceVersion;
    if (!res.namespaced) delete meta.namespace;
    const stored: KubeObject = { ...obj, metadata: meta };
    const key = this.key(res, meta.namespace, meta.name!);
    if (dryRun) {
      if (await this.etcd.get(key)) throw alreadyExists(res, meta.name!);
      return { ...stored, apiVersion: apiVersionOf(res), kind: res.kind };
    }
    const revision = await this.etcd.putIf(key, this.encode(res, key, stored), 0);
    if (revision === undefined) throw alreadyExists(res, meta.name!);
    return this.decode(res, key, this.encode(res, key, stored), revision);
  }

  /**
   * Replaces the stored object with `obj` when its resourceVersion is current (or unset: an
   * unconditional update, which upstream allows for these resources). 409 Conflict on a stale version.
   */
  async update(res: ResourceInfo, obj: KubeObject, dryRun = false): Promise<KubeObject> {
    const name = obj.metadata.name!;
    const key = this.key(res, obj.metadata.namespace, name);
    const current = await this.etcd.get(key);
    if (!current) throw notFound(res, name);
    const expected = obj.metadata.resourceVersion ? Number(obj.metadata.resourceVersion) : current.modRevision;
    if (expected !== current.modRevision) throw conflict(res, name);
    const old = this.decode(res, key, current.value, current.modRevision);
    // Identity fields are owned by the server (rest.BeforeUpdate).
    const meta: ObjectMeta = { ...obj.metadata, uid: old.metadata.uid, creationTimestamp: old.metadata.creationTimestamp };
    const stored: KubeObject = { ...obj, metadata: meta };
    const value = this.encode(res, key, stored);
    if (dryRun) return this.decode(res, key, value, current.modRevision);
    const revision = await this.etcd.putIf(key, value, expected);
    if (revision === undefined) throw conflict(res, name);
    return this.decode(res, key, value, revision);
  }

  /** Read-modify-write that retries on concurrent writers (GuaranteedUpdate). */
  async guaranteedUpdate(
    res: ResourceInfo,
    namespace: string | undefined,
    name: string,
    mutate: (current: KubeObject) => KubeObject | Promise<KubeObject>,
    dryRun = false,
  ): Promise<KubeObject> {
    for (let attempt = 0; ; attempt++) {
      const current = await this.get(res, namespace, name);
      const next = await mutate(structuredClone(current));
      if (next.metadata.resourceVersion !== current.metadata.resourceVersion) throw conflict(res, name);
      try {
        return await this.update(res, next, dryRun);
      } catch (err) {
        if (attempt < 5 && (err as { reason?: string }).reason === 'Conflict') continue;
        throw err;
      }
    }
  }

  async delete(
    res: ResourceInfo,
    namespace: string | undefined,
    name: string,
    precondition?: { resourceVersion?: string; uid?: string },
    dryRun = false,
  ): Promise<KubeObject> {
    const key = this.key(res, namespace, name);
    const kv = await this.etcd.get(key);
    if (!kv) throw notFound(res, name);
    const old = this.decode(res, key, kv.value, kv.modRevision);
    if (precondition?.resourceVersion && precondition.resourceVersion !== old.metadata.resourceVersion) throw conflict(res, name);
    if (precondition?.uid && precondition.uid !== old.metadata.uid) throw conflict(res, name);
    if (dryRun) return old;
    if (!(await this.etcd.deleteIf(key, kv.modRevision))) throw conflict(res, name);
    return old;
  }
}
