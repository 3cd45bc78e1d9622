// The generic REST handler over the resource table (upstream's generic registry,
// staging/src/k8s.io/apiserver/pkg/registry/generic/registry/store.go, plus the per-resource
// strategies and admission plugins a kubeadm bootstrap exercises):
// - namespaces: created Active with the "kubernetes" finalizer; namespaced writes need the
//   namespace to exist and not be terminating (NamespaceLifecycle admission); default,
//   kube-system and kube-public cannot be deleted; /finalize changes only spec.finalizers;
// - deletion with finalizers: deletionTimestamp first, removal when the last finalizer goes;
// - secrets: stringData is folded into data on write (pkg/apis/core/v1 conversion);
// - certificatesigningrequests: spec.username/uid/groups/extra come from the requester, status is
//   cleared on create (pkg/registry/certificates/certificates/strategy.go); /approval may change
//   only conditions and needs `approve` on signers/<signerName> (CertificateApproval admission);
//   /status may change the certificate only with `sign` on signers/<signerName> (CertificateSigning);
// - status subresources: the main resource cannot change .status, /status changes only .status;
// - pods/eviction deletes the pod (no PodDisruptionBudgets here);
// - nodes, node leases: NodeRestriction admission (node-restriction.ts);
// - serviceaccounts/token: TokenRequest; authorization.k8s.io subjectaccessreviews and
//   selfsubjectaccessreviews, authentication.k8s.io tokenreviews and selfsubjectreviews are
//   evaluated, not stored.
// PATCH takes JSON patch, JSON merge patch and strategic merge patch (see strategic-merge.ts);
// ?dryRun=All runs validation and admission and writes nothing.
// Lists support labelSelector and fieldSelector; watch is served by polling storage; get and list
// answer with a Table when the client asks for one (table.ts).
import type { ServerResponse } from 'node:http';
import type { UserInfo } from './authn.js';
import type { Authorizer } from './authz.js';
import { nodeName } from './authz.js';
import { parseCsr } from './csr.js';
import { jsonPatch, JsonPatchError } from './json-patch.js';
import { mergePatch } from './merge-patch.js';
import { boundPodProblem, leaseWriteProblem, mirrorPodProblem, nodeWriteProblem } from './node-restriction.js';
import type { Attributes } from './rbac.js';
import type { RequestInfo } from './request-info.js';
import { apiVersionOf, findResource, REVIEW_RESOURCES, type ResourceInfo } from './resources.js';
import type { TokenIssuer } from './sa-token.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import { ApiError, badRequest, conflict, forbidden, invalid, methodNotAllowed, notFound, pathNotFound } from './status.js';
import { allocateClusterIP, clusterIPProblem, type ServiceRange } from './service-ip.js';
import { rfc3339, type KubeObject, type Store } from './store.js';
import { strategicMerge } from './strategic-merge.js';
import { toTable, wantsTable } from './table.js';
import { validateObject } from './validation.js';

export interface RestDeps {
  store: Store;
  authorizer: Authorizer;
  now: () => Date;
  tokens: TokenIssuer;
  apiAudiences: string[];
  serviceRange?: ServiceRange;
  authenticateToken: (token: string) => Promise<UserInfo | undefined>;
}

export interface RestRequest {
  method: string;
  url: URL;
  accept?: string;
  info: RequestInfo;
  user: UserInfo;
  contentType: string;
  body: unknown;
}

export type RestResponse = { status: number; body: unknown } | { stream: (res: ServerResponse) => Promise<void> };

const namespaces = findResource('', 'v1', 'namespaces')!;
const serviceAccounts = findResource('', 'v1', 'serviceaccounts')!;
const services = findResource('', 'v1', 'services')!;
const nodes = findResource('', 'v1', 'nodes')!;

/** certificates.KeyUsage values (staging/src/k8s.io/api/certificates/v1/types.go). */
const KNOWN_USAGES = new Set([
  'signing', 'digital signature', 'content commitment', 'key encipherment', 'key agreement', 'data encipherment', 'cert sign', 'crl sign',
  'encipher only', 'decipher only', 'any', 'server auth', 'client auth', 'code signing', 'email protection', 's/mime', 'ipsec end system',
  'ipsec tunnel', 'ipsec user', 'timestamping', 'ocsp signing', 'microsoft sgc', 'netscape sgc',
]);

const PATCHERS: Record<string, (target: unknown, patch: unknown) => unknown> = {
  'application/json-patch+json': jsonPatch,
  'application/merge-patch+json': mergePatch,
  'application/strategic-merge-patch+json': strategicMerge,
};

/** ?dryRun=All: validate and admit, write nothing (the only value upstream accepts). */
function dryRunOf(url: URL): boolean {
  const values = url.searchParams.getAll('dryRun');
  if (values.some((v) => v !== 'All')) throw badRequest(`unsupported dryRun value ${JSON.stringify(values.find((v) => v !== 'All'))}; the only supported value is All`);
  return values.length > 0;
}

/** Namespaces NamespaceLifecycle refuses to delete. */
const IMMORTAL_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);

function pendingFinalizers(res: ResourceInfo, obj: KubeObject): boolean {
  if ((obj.metadata.finalizers as string[] | undefined)?.length) return true;
  return res.group === '' && res.resource === 'namespaces' && !!(obj.spec as { finalizers?: string[] } | undefined)?.finalizers?.length;
}

function requireObject(body: unknown): KubeObject {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('the request body must be a JSON object');
  const obj = body as KubeObject;
  obj.metadata = { ...(obj.metadata ?? {}) };
  return obj;
}

function checkKind(res: ResourceInfo, obj: KubeObject): void {
  if (obj.kind && obj.kind !== res.kind) throw badRequest(`the object's kind ${obj.kind} does not match the ${res.resource} endpoint (expected ${res.kind})`);
  if (obj.apiVersion && obj.apiVersion !== apiVersionOf(res)) {
    throw badRequest(`the object's apiVersion ${obj.apiVersion} does not match the endpoint (expected ${apiVersionOf(res)})`);
  }
}

function bindNamespace(res: ResourceInfo, obj: KubeObject, namespace: string): void {
  if (!res.namespaced) return;
  if (obj.metadata.namespace && obj.metadata.namespace !== namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  obj.metadata.namespace = namespace;
}

/** Writes that belong to the status subresource are ignored on the main resource, and vice versa. */
function applySubresource(res: ResourceInfo, sub: string, next: KubeObject, old: KubeObject): KubeObject {
  if (res.resource === 'certificatesigningrequests') {
    const oldStatus = (old.status ?? {}) as Record<string, unknown>;
    const newStatus = (next.status ?? {}) as Record<string, unknown>;
    if (sub === 'approval') return { ...next, spec: old.spec, status: { ...oldStatus, conditions: newStatus.conditions } };
    if (sub === 'status') return { ...next, spec: old.spec };
    return { ...next, spec: old.spec, status: old.status };
  }
  // namespaces/finalize changes only spec.finalizers (pkg/registry/core/namespace/strategy.go).
  if (res.resource === 'namespaces' && sub === 'finalize') {
    const finalizers = (next.spec as { finalizers?: string[] } | undefined)?.finalizers;
    return { ...old, metadata: { ...old.metadata, resourceVersion: next.metadata.resourceVersion }, spec: { ...((old.spec as object) ?? {}), finalizers } };
  }
  if (!res.subresources.includes('status')) return next;
  if (sub === 'status') return { ...old, metadata: { ...old.metadata, resourceVersion: next.metadata.resourceVersion }, status: next.status };
  const out = { ...next };
  if (old.status === undefined) delete out.status;
  else out.status = old.status;
  return out;
}

export class Rest {
  constructor(private readonly deps: RestDeps) {}

  private attrs(user: UserInfo, verb: string, group: string, resource: string, name: string): Attributes {
    return { user, verb, resourceRequest: true, path: '', apiGroup: group, resource, subresource: '', namespace: '', name };
  }

  async serve(req: RestRequest): Promise<RestResponse> {
    const { info } = req;
    const review = REVIEW_RESOURCES.find((r) => r.group === info.apiGroup && r.version === info.apiVersion && r.resource === info.resource);
    if (review) {
      if (info.verb !== 'create' || info.name) throw methodNotAllowed();
      if (review.resource === 'tokenreviews') return { status: 201, body: await this.tokenReview(req) };
      if (review.resource === 'selfsubjectreviews') return { status: 201, body: this.selfSubjectReview(req.user) };
      return { status: 201, body: await this.accessReview(review.resource, req) };
    }
    const res = findResource(info.apiGroup, info.apiVersion, info.resource);
    if (!res || info.extra || (info.subresource && !res.subresources.includes(info.subresource))) throw pathNotFound();
    if (res.namespaced && !info.namespace && !['list', 'watch'].includes(info.verb)) throw pathNotFound();
    if (!res.namespaced && info.namespace && res.resource !== 'namespaces') throw pathNotFound();
    const ns = res.namespaced ? info.namespace || undefined : undefined;
    const dryRun = dryRunOf(req.url);
    switch (info.verb) {
      case 'get': {
        const obj = await this.deps.store.get(res, ns, info.name);
        return { status: 200, body: wantsTable(req.accept) ? toTable(res, [obj], obj.metadata.resourceVersion!, this.deps.now()) : obj };
      }
      case 'list': {
        const list = await this.list(res, ns, req.url);
        return { status: 200, body: wantsTable(req.accept) ? toTable(res, list.items, list.metadata.resourceVersion, this.deps.now()) : list };
      }
      case 'watch':
        return { stream: (out) => this.watch(res, ns, req.url, out) };
      case 'create':
        if (res.resource === 'serviceaccounts' && info.subresource === 'token') return { status: 201, body: await this.tokenRequest(ns!, info.name, req.body) };
        // pods/eviction without PodDisruptionBudgets (the test control plane has none): the pod is deleted and the
        // answer is a Success Status (upstream pkg/registry/core/pod/storage/eviction.go).
        if (res.resource === 'pods' && info.subresource === 'eviction') {
          await this.delete(res, ns, info.name, undefined, dryRun, req.user);
          return { status: 201, body: { apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Success' } };
        }
        if (info.name) throw methodNotAllowed();
        return { status: 201, body: await this.create(res, ns, req, dryRun) };
      case 'update':
        return { status: 200, body: await this.update(res, ns, req, requireObject(req.body), dryRun) };
      case 'patch':
        return { status: 200, body: await this.patch(res, ns, req, dryRun) };
      case 'delete': {
        const pre = (req.body as { preconditions?: { resourceVersion?: string; uid?: string } } | undefined)?.preconditions;
        return { status: 200, body: await this.delete(res, ns, info.name, pre, dryRun, req.user) };
      }
      case 'deletecollection': {
        const list = await this.list(res, ns, req.url);
        for (const item of list.items) await this.delete(res, ns ?? item.metadata.namespace, item.metadata.name!, undefined, dryRun, req.user);
        return { status: 200, body: list };
      }
      default:
        throw methodNotAllowed();
    }
  }

  private async list(res: ResourceInfo, ns: string | undefined, url: URL): Promise<{ apiVersion: string; kind: string; metadata: { resourceVersion: string }; items: KubeObject[] }> {
    const labelSel = url.searchParams.get('labelSelector');
    const fieldSel = url.searchParams.get('fieldSelector');
    const matchers = [labelSel ? parseLabelSelector(labelSel) : undefined, fieldSel ? parseFieldSelector(fieldSel, res.fieldLabels ?? []) : undefined].filter(
      (m) => m !== undefined,
    );
    const { items, resourceVersion } = await this.deps.store.list(res, ns);
    return {
      apiVersion: apiVersionOf(res),
      kind: `${res.kind}List`,
      metadata: { resourceVersion },
      // List items carry no apiVersion/kind on the wire.
      items: items.filter((o) => matchers.every((m) => m(o))).map(({ apiVersion: _a, kind: _k, ...rest }) => rest as KubeObject),
    };
  }

  private async watch(res: ResourceInfo, ns: string | undefined, url: URL, out: ServerResponse): Promise<void> {
    const timeout = Number(url.searchParams.get('timeoutSeconds') ?? 300) * 1000;
    const since = Number(url.searchParams.get('resourceVersion') ?? 0);
    out.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    // Clients wait for the response headers before they act; send them now, as upstream does.
    out.flushHeaders();
    const seen = new Map<string, KubeObject>();
    const send = (type: string, object: KubeObject) => out.write(`${JSON.stringify({ type, object })}\n`);
    let closed = false;
    out.on('close', () => (closed = true));
    const deadline = Date.now() + timeout;
    let first = true;
    while (!closed && Date.now() < deadline) {
      const list = await this.list(res, ns, url);
      const current = new Map(list.items.map((o) => [`${o.metadata.namespace ?? ''}/${o.metadata.name}`, { ...o, apiVersion: apiVersionOf(res), kind: res.kind }]));
      for (const [k, o] of current) {
        const prev = seen.get(k);
        if (first ? Number(o.metadata.resourceVersion) > since : !prev) send(first && since ? 'MODIFIED' : 'ADDED', o);
        else if (prev && prev.metadata.resourceVersion !== o.metadata.resourceVersion) send('MODIFIED', o);
      }
      for (const [k, o] of seen) if (!current.has(k)) send('DELETED', o);
      seen.clear();
      for (const [k, o] of current) seen.set(k, o);
      first = false;
      await new Promise((r) => setTimeout(r, 300));
    }
    out.end();
  }

  /** NamespaceLifecycle: new content needs a namespace that exists and is not terminating. */
  private async ensureNamespace(res: ResourceInfo, ns: string | undefined, name: string): Promise<void> {
    if (!ns) return;
    const namespace = await this.deps.store.tryGet(namespaces, undefined, ns);
    if (!namespace) throw notFound(namespaces, ns);
    if (namespace.metadata.deletionTimestamp) {
      throw forbidden(res, name, `unable to create new content in namespace ${ns} because it is being terminated`);
    }
  }

  /**
   * Deletion with finalizers (generic registry BeforeDelete + namespace storage): an object with
   * metadata.finalizers (a namespace: or spec.finalizers) only gets deletionTimestamp (a namespace:
   * phase Terminating); it disappears when the last finalizer is removed (finishDeletion).
   */
  private async delete(
    res: ResourceInfo,
    ns: string | undefined,
    name: string,
    pre: { resourceVersion?: string; uid?: string } | undefined,
    dryRun: boolean,
    user?: UserInfo,
  ): Promise<KubeObject> {
    if (res.group === '' && res.resource === 'namespaces' && IMMORTAL_NAMESPACES.has(name)) {
      throw forbidden(res, name, 'this namespace may not be deleted');
    }
    const current = await this.deps.store.get(res, ns, name);
    const node = user && nodeName(user);
    const podProblem = node && res.group === '' && res.resource === 'pods' ? boundPodProblem(node, current, 'delete') : undefined;
    if (podProblem) throw forbidden(res, name, podProblem);
    if (!pendingFinalizers(res, current)) return this.deps.store.delete(res, ns, name, pre, dryRun);
    if (current.metadata.deletionTimestamp) return current;
    return this.deps.store.guaranteedUpdate(
      res,
      ns,
      name,
      (obj) => {
        if (pre?.uid && pre.uid !== obj.metadata.uid) throw conflict(res, name);
        obj.metadata.deletionTimestamp = rfc3339(this.deps.now());
        obj.metadata.deletionGracePeriodSeconds = 0;
        if (res.group === '' && res.resource === 'namespaces') obj.status = { ...((obj.status as object) ?? {}), phase: 'Terminating' };
        return obj;
      },
      dryRun,
    );
  }

  /** After a write: a deleting object whose finalizers are all gone is removed. */
  private async finishDeletion(res: ResourceInfo, obj: KubeObject, dryRun: boolean): Promise<KubeObject> {
    if (dryRun || !obj.metadata.deletionTimestamp || pendingFinalizers(res, obj)) return obj;
    return this.deps.store.delete(res, obj.metadata.namespace, obj.metadata.name!, { resourceVersion: obj.metadata.resourceVersion }).catch((err: unknown) => {
      if ((err as { reason?: string }).reason === 'NotFound') return obj;
      throw err;
    });
  }

  private async create(res: ResourceInfo, ns: string | undefined, req: RestRequest, dryRun: boolean): Promise<KubeObject> {
    const obj = requireObject(req.body);
    checkKind(res, obj);
    bindNamespace(res, obj, ns ?? '');
    if (!obj.metadata.name && !obj.metadata.generateName) throw invalid(res, '', ['metadata.name: Required value: name or generateName is required']);
    await this.ensureNamespace(res, ns, obj.metadata.name ?? obj.metadata.generateName ?? '');
    await this.admit(res, '', req.user, obj, undefined);
    return this.deps.store.create(res, obj, this.deps.now(), dryRun);
  }

  private async update(res: ResourceInfo, ns: string | undefined, req: RestRequest, obj: KubeObject, dryRun: boolean): Promise<KubeObject> {
    checkKind(res, obj);
    bindNamespace(res, obj, ns ?? '');
    if (obj.metadata.name !== req.info.name) throw badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${req.info.name})`);
    const old = await this.deps.store.get(res, ns, req.info.name);
    const next = applySubresource(res, req.info.subresource, obj, old);
    await this.admit(res, req.info.subresource, req.user, next, old);
    return this.finishDeletion(res, await this.deps.store.update(res, next, dryRun), dryRun);
  }

  private async patch(res: ResourceInfo, ns: string | undefined, req: RestRequest, dryRun: boolean): Promise<KubeObject> {
    const type = req.contentType.split(';')[0]!.trim();
    const apply = PATCHERS[type];
    if (!apply) {
      throw new ApiError(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: ${Object.keys(PATCHERS).join(', ')}`,
      );
    }
    const updated = await this.deps.store.guaranteedUpdate(res, ns, req.info.name, async (current) => {
      let patched: KubeObject;
      try {
        patched = apply(current, req.body) as KubeObject;
      } catch (err) {
        if (err instanceof JsonPatchError) throw new ApiError(422, 'Invalid', `the server rejected our request due to an error in our request: ${err.message}`);
        throw err;
      }
      patched.metadata = { ...patched.metadata, name: current.metadata.name, namespace: current.metadata.namespace };
      const next = applySubresource(res, req.info.subresource, patched, current);
      await this.admit(res, req.info.subresource, req.user, next, current);
      return next;
    }, dryRun);
    return this.finishDeletion(res, updated, dryRun);
  }

  /** Strategy + admission for the resources with bootstrap-relevant rules (see header). */
  private async admit(res: ResourceInfo, sub: string, user: UserInfo, obj: KubeObject, old: KubeObject | undefined): Promise<void> {
    const problems = validateObject(res, obj, old);
    if (problems.length) throw invalid(res, obj.metadata.name ?? obj.metadata.generateName ?? '', problems);
    const node = nodeName(user);
    if (node) {
      const problem =
        res.group === '' && res.resource === 'nodes'
          ? nodeWriteProblem(node, obj, old)
          : res.group === 'coordination.k8s.io' && res.resource === 'leases' && obj.metadata.namespace === 'kube-node-lease'
            ? leaseWriteProblem(node, obj)
            : res.group === '' && res.resource === 'pods'
              ? old
                ? boundPodProblem(node, old, 'update pod status for')
                : mirrorPodProblem(node, obj, (await this.deps.store.tryGet(nodes, undefined, node))?.metadata.uid)
              : undefined;
      if (problem) throw forbidden(res, obj.metadata.name ?? '', problem);
    }
    if (res.group === '' && res.resource === 'namespaces' && !old) {
      obj.spec = { finalizers: ['kubernetes'], ...((obj.spec as object) ?? {}) };
      obj.status = { phase: 'Active' };
    }
    if (res.group === '' && res.resource === 'secrets' && obj.stringData) {
      const data = { ...((obj.data as Record<string, string>) ?? {}) };
      for (const [k, v] of Object.entries(obj.stringData as Record<string, string>)) data[k] = Buffer.from(v).toString('base64');
      obj.data = data;
      delete obj.stringData;
    }
    if (res.resource === 'certificatesigningrequests') await this.admitCsr(res, sub, user, obj, old);
    if (res.group === '' && res.resource === 'services') {
      if (old) keepAllocatedValues(obj, old);
      else await this.assignClusterIP(res, obj);
    }
  }

  private async assignClusterIP(res: ResourceInfo, obj: KubeObject): Promise<void> {
    // (upstream: pkg/registry/core/service/storage/alloc.go allocClusterIPs)
    const spec: Record<string, unknown> = { type: 'ClusterIP', ...((obj.spec as Record<string, unknown>) ?? {}) };
    obj.spec = spec;
    const range = this.deps.serviceRange;
    if (spec.type === 'ExternalName' || spec.clusterIP === 'None' || !range) return;
    const used = new Set(
      (await this.deps.store.list(services)).items.map((s) => (s.spec as { clusterIP?: string } | undefined)?.clusterIP).filter((ip): ip is string => !!ip),
    );
    const requested = spec.clusterIP as string | undefined;
    if (requested) {
      const problem = clusterIPProblem(range, requested, used);
      if (problem) throw invalid(res, obj.metadata.name ?? '', [`spec.clusterIPs: Invalid value: ["${requested}"]: ${problem}`]);
    }
    const ip = requested || allocateClusterIP(range, used);
    spec.clusterIP = ip;
    spec.clusterIPs = [ip];
  }

  private async admitCsr(res: ResourceInfo, sub: string, user: UserInfo, obj: KubeObject, old: KubeObject | undefined): Promise<void> {
    const spec = (obj.spec ?? {}) as Record<string, unknown>;
    const name = obj.metadata.name ?? obj.metadata.generateName ?? '';
    if (!old) {
      // pkg/apis/certificates/validation/validation.go (v1 create).
      const problems: string[] = [];
      const signerName = String(spec.signerName ?? '');
      if (!signerName) problems.push('spec.signerName: Required value');
      else if (signerName === 'kubernetes.io/legacy-unknown') {
        problems.push('spec.signerName: Invalid value: "kubernetes.io/legacy-unknown": the legacy signerName is not allowed via this API version');
      } else if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+\/[^/]+(\/[^/]+)*$/.test(signerName)) {
        problems.push(`spec.signerName: Invalid value: "${signerName}": must be a fully qualified domain and path of the form 'example.com/signer-name'`);
      }
      if (!Array.isArray(spec.usages) || spec.usages.length === 0) problems.push('spec.usages: Required value');
      for (const [i, u] of ((spec.usages as string[]) ?? []).entries()) {
        if (!KNOWN_USAGES.has(u)) problems.push(`spec.usages[${i}]: Unsupported value: "${u}"`);
      }
      if (spec.expirationSeconds !== undefined && Number(spec.expirationSeconds) < 600) {
        problems.push(`spec.expirationSeconds: Invalid value: ${spec.expirationSeconds}: may not specify a duration less than 600 seconds (10 minutes)`);
      }
      try {
        parseCsr(Buffer.from(String(spec.request ?? ''), 'base64').toString('utf8'));
      } catch (err) {
        problems.push(`spec.request: Invalid value: ${(err as Error).message}`);
      }
      if (problems.length) throw invalid(res, name, problems);
      obj.spec = { ...spec, username: user.name, uid: user.uid, groups: user.groups, extra: user.extra };
      obj.status = {};
      return;
    }
    const signer = String(spec.signerName);
    const signerAllowed = async (verb: string) =>
      (await this.deps.authorizer.allows(this.attrs(user, verb, 'certificates.k8s.io', 'signers', signer))) ||
      (await this.deps.authorizer.allows(this.attrs(user, verb, 'certificates.k8s.io', 'signers', `${signer.split('/')[0]}/*`)));
    const conditions = ((obj.status as { conditions?: Array<{ type: string; status?: string }> })?.conditions ?? []).map((c) => c.type);
    const oldStatus = (old.status ?? {}) as { certificate?: string; conditions?: Array<{ type: string }> };
    const oldConditions = (oldStatus.conditions ?? []).map((c) => c.type);
    // populateConditionTimestamps (pkg/registry/certificates/certificates/strategy.go).
    const stamp = rfc3339(this.deps.now());
    for (const c of ((obj.status as { conditions?: Array<Record<string, unknown>> })?.conditions ?? [])) {
      c.lastUpdateTime ??= stamp;
      c.lastTransitionTime ??= stamp;
    }
    if (sub === 'approval') {
      if (conditions.includes('Approved') && conditions.includes('Denied')) throw invalid(res, name, ['status.conditions: Invalid value: Approved and Denied conditions are mutually exclusive']);
      const added = ['Approved', 'Denied'].some((t) => conditions.includes(t) && !oldConditions.includes(t));
      if (added && !(await signerAllowed('approve'))) {
        throw forbidden(res, name, `user not permitted to approve requests with signerName "${signer}"`);
      }
    }
    if (sub === 'status') {
      const cert = (obj.status as { certificate?: string })?.certificate;
      if (cert && cert !== oldStatus.certificate) {
        if (!oldConditions.includes('Approved')) throw invalid(res, name, ['status.certificate: Forbidden: certificate can only be set on approved requests']);
        if (!(await signerAllowed('sign'))) throw forbidden(res, name, `user not permitted to sign requests with signerName "${signer}"`);
      }
      // Approval conditions are owned by /approval.
      const kept = (oldStatus.conditions ?? []).filter((c) => c.type === 'Approved' || c.type === 'Denied');
      const rest = ((obj.status as { conditions?: Array<{ type: string }> })?.conditions ?? []).filter((c) => c.type !== 'Approved' && c.type !== 'Denied');
      obj.status = { ...(obj.status as object), conditions: [...kept, ...rest] };
    }
  }

  private async tokenReview(req: RestRequest): Promise<KubeObject> {
    const review = requireObject(req.body);
    const token = (review.spec as { token?: string } | undefined)?.token ?? '';
    const user = token ? await this.deps.authenticateToken(token) : undefined;
    const status = user
      ? { authenticated: true, user: { username: user.name, ...(user.uid ? { uid: user.uid } : {}), groups: user.groups, ...(user.extra ? { extra: user.extra } : {}) } }
      : { authenticated: false, error: 'invalid bearer token' };
    return { ...review, apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', metadata: { creationTimestamp: null } as never, status };
  }

  private selfSubjectReview(user: UserInfo): KubeObject {
    return {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'SelfSubjectReview',
      metadata: { creationTimestamp: rfc3339(this.deps.now()) },
      status: { userInfo: { username: user.name, ...(user.uid ? { uid: user.uid } : {}), groups: user.groups, ...(user.extra ? { extra: user.extra } : {}) } },
    };
  }

  private async accessReview(kind: string, req: RestRequest): Promise<KubeObject> {
    const review = requireObject(req.body);
    const spec = (review.spec ?? {}) as {
      user?: string;
      groups?: string[];
      resourceAttributes?: { namespace?: string; verb?: string; group?: string; resource?: string; subresource?: string; name?: string };
      nonResourceAttributes?: { path?: string; verb?: string };
    };
    const subject = kind === 'selfsubjectaccessreviews' ? { name: req.user.name, groups: req.user.groups } : { name: spec.user ?? '', groups: spec.groups ?? [] };
    if (kind === 'subjectaccessreviews' && !subject.name && subject.groups.length === 0) {
      throw invalid({ group: 'authorization.k8s.io', kind: 'SubjectAccessReview' }, '', ['spec.user: Invalid value: at least one of user or group must be specified']);
    }
    const ra = spec.resourceAttributes;
    const nra = spec.nonResourceAttributes;
    const attrs: Attributes = ra
      ? {
          user: subject,
          verb: ra.verb ?? '',
          resourceRequest: true,
          path: '',
          apiGroup: ra.group ?? '',
          resource: ra.resource ?? '',
          subresource: ra.subresource ?? '',
          namespace: ra.namespace ?? '',
          name: ra.name ?? '',
        }
      : { user: subject, verb: nra?.verb ?? '', resourceRequest: false, path: nra?.path ?? '', apiGroup: '', resource: '', subresource: '', namespace: '', name: '' };
    const allowed = await this.deps.authorizer.allows(attrs);
    return { ...review, apiVersion: 'authorization.k8s.io/v1', metadata: { creationTimestamp: null } as never, status: { allowed } };
  }

  private async tokenRequest(namespace: string, name: string, body: unknown): Promise<KubeObject> {
    const sa = await this.deps.store.get(serviceAccounts, namespace, name);
    const spec = ((body as { spec?: { audiences?: string[]; expirationSeconds?: number } })?.spec ?? {}) as { audiences?: string[]; expirationSeconds?: number };
    const expirationSeconds = spec.expirationSeconds ?? 3600;
    if (expirationSeconds < 600) {
      throw invalid({ group: 'authentication.k8s.io', kind: 'TokenRequest' }, name, ['spec.expirationSeconds: Invalid value: may not specify a duration less than 10 minutes']);
    }
    const audiences = spec.audiences?.length ? spec.audiences : this.deps.apiAudiences;
    const now = this.deps.now();
    const { token, expiration } = this.deps.tokens.issue({ namespace, name, uid: sa.metadata.uid! }, audiences, expirationSeconds, now);
    return {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      metadata: { name, namespace, creationTimestamp: rfc3339(now) },
      spec: { audiences, expirationSeconds, boundObjectRef: null },
      status: { token, expirationTimestamp: rfc3339(expiration) },
    };
  }
}

/**
 * A Service update that omits what the apiserver allocated keeps it, and clusterIPs follows clusterIP
 * (upstream: pkg/registry/core/service/strategy.go patchAllocatedValues, normalizeClusterIPs; the type
 * defaults to ClusterIP as on create).
 */
function keepAllocatedValues(obj: KubeObject, old: KubeObject): void {
  const spec: Record<string, unknown> = { type: 'ClusterIP', ...((obj.spec as Record<string, unknown>) ?? {}) };
  const oldSpec = (old.spec ?? {}) as Record<string, unknown>;
  if (spec.clusterIP === undefined && oldSpec.clusterIP !== undefined) spec.clusterIP = oldSpec.clusterIP;
  if (spec.clusterIPs === undefined && typeof spec.clusterIP === 'string') {
    spec.clusterIPs = spec.clusterIP === oldSpec.clusterIP && Array.isArray(oldSpec.clusterIPs) ? oldSpec.clusterIPs : [spec.clusterIP];
  }
  obj.spec = spec;
}
