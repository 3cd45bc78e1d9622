// Decoding of Kubernetes' protobuf request bodies (application/vnd.kubernetes.protobuf), which
// kubectl's typed clients send for `create namespace|serviceaccount|configmap|secret|role|
// rolebinding|clusterrole|clusterrolebinding|token`, `certificate approve|deny` and `auth can-i`.
// Envelope (staging/src/k8s.io/apimachinery/pkg/runtime/serializer/protobuf/protobuf.go): the magic
// "k8s\0" then runtime.Unknown {typeMeta=1 {apiVersion=1, kind=2}, raw=2, contentEncoding=3,
// contentType=4}; `raw` is the object's message. Field numbers follow the generated.proto files of
// k8s.io/api and apimachinery's meta/v1 for the kinds listed below; a kind or field outside them is a
// 415 naming it, never silently dropped. Zero values the encoder writes for non-pointer fields are
// left out, as JSON's omitempty would. Responses stay JSON, which every client accepts.

export class ProtobufError extends Error {}

/** `stringList` map values are ExtraValue messages ({items = 1 repeated string}), written as string arrays. */
type FieldType = 'string' | 'bytes' | 'int' | 'bool' | 'time' | { message: string } | { map: 'string' | 'bytes' | 'stringList' };
interface Field {
  name: string;
  type: FieldType;
  repeated?: boolean;
}
type Schema = Record<number, Field>;

const f = (name: string, type: FieldType, repeated = false): Field => ({ name, type, repeated });
const m = (message: string) => ({ message });

const SCHEMAS: Record<string, Schema> = {
  ObjectMeta: {
    1: f('name', 'string'),
    2: f('generateName', 'string'),
    3: f('namespace', 'string'),
    4: f('selfLink', 'string'),
    5: f('uid', 'string'),
    6: f('resourceVersion', 'string'),
    7: f('generation', 'int'),
    8: f('creationTimestamp', 'time'),
    9: f('deletionTimestamp', 'time'),
    10: f('deletionGracePeriodSeconds', 'int'),
    11: f('labels', { map: 'string' }),
    12: f('annotations', { map: 'string' }),
    13: f('ownerReferences', m('OwnerReference'), true),
    14: f('finalizers', 'string', true),
  },
  OwnerReference: { 1: f('kind', 'string'), 3: f('name', 'string'), 4: f('uid', 'string'), 5: f('apiVersion', 'string'), 6: f('controller', 'bool'), 7: f('blockOwnerDeletion', 'bool') },
  Namespace: { 1: f('metadata', m('ObjectMeta')), 2: f('spec', m('NamespaceSpec')), 3: f('status', m('NamespaceStatus')) },
  NamespaceSpec: { 1: f('finalizers', 'string', true) },
  NamespaceStatus: { 1: f('phase', 'string') },
  ServiceAccount: {
    1: f('metadata', m('ObjectMeta')),
    2: f('secrets', m('ObjectReference'), true),
    3: f('imagePullSecrets', m('LocalObjectReference'), true),
    4: f('automountServiceAccountToken', 'bool'),
  },
  ObjectReference: { 1: f('kind', 'string'), 2: f('namespace', 'string'), 3: f('name', 'string'), 4: f('uid', 'string'), 5: f('apiVersion', 'string'), 6: f('resourceVersion', 'string'), 7: f('fieldPath', 'string') },
  LocalObjectReference: { 1: f('name', 'string') },
  ConfigMap: { 1: f('metadata', m('ObjectMeta')), 2: f('data', { map: 'string' }), 3: f('binaryData', { map: 'bytes' }), 4: f('immutable', 'bool') },
  Secret: { 1: f('metadata', m('ObjectMeta')), 2: f('data', { map: 'bytes' }), 3: f('type', 'string'), 4: f('stringData', { map: 'string' }), 5: f('immutable', 'bool') },
  TokenRequest: { 1: f('metadata', m('ObjectMeta')), 2: f('spec', m('TokenRequestSpec')), 3: f('status', m('TokenRequestStatus')) },
  TokenRequestStatus: { 1: f('token', 'string'), 2: f('expirationTimestamp', 'time') },
  TokenRequestSpec: { 1: f('audiences', 'string', true), 3: f('boundObjectRef', m('BoundObjectReference')), 4: f('expirationSeconds', 'int') },
  BoundObjectReference: { 1: f('kind', 'string'), 2: f('apiVersion', 'string'), 3: f('name', 'string'), 4: f('uid', 'string') },
  CertificateSigningRequest: { 1: f('metadata', m('ObjectMeta')), 2: f('spec', m('CertificateSigningRequestSpec')), 3: f('status', m('CertificateSigningRequestStatus')) },
  CertificateSigningRequestSpec: {
    1: f('request', 'bytes'),
    2: f('username', 'string'),
    3: f('uid', 'string'),
    4: f('groups', 'string', true),
    5: f('usages', 'string', true),
    6: f('extra', { map: 'stringList' }),
    7: f('signerName', 'string'),
    8: f('expirationSeconds', 'int'),
  },
  ExtraValue: { 1: f('items', 'string', true) },
  CertificateSigningRequestStatus: { 1: f('conditions', m('CertificateSigningRequestCondition'), true), 2: f('certificate', 'bytes') },
  CertificateSigningRequestCondition: {
    1: f('type', 'string'),
    2: f('reason', 'string'),
    3: f('message', 'string'),
    4: f('lastUpdateTime', 'time'),
    5: f('lastTransitionTime', 'time'),
    6: f('status', 'string'),
  },
  Role: { 1: f('metadata', m('ObjectMeta')), 2: f('rules', m('PolicyRule'), true) },
  ClusterRole: { 1: f('metadata', m('ObjectMeta')), 2: f('rules', m('PolicyRule'), true), 3: f('aggregationRule', m('AggregationRule')) },
  AggregationRule: { 1: f('clusterRoleSelectors', m('LabelSelector'), true) },
  LabelSelector: { 1: f('matchLabels', { map: 'string' }), 2: f('matchExpressions', m('LabelSelectorRequirement'), true) },
  LabelSelectorRequirement: { 1: f('key', 'string'), 2: f('operator', 'string'), 3: f('values', 'string', true) },
  PolicyRule: { 1: f('verbs', 'string', true), 2: f('apiGroups', 'string', true), 3: f('resources', 'string', true), 4: f('resourceNames', 'string', true), 5: f('nonResourceURLs', 'string', true) },
  RoleBinding: { 1: f('metadata', m('ObjectMeta')), 2: f('subjects', m('Subject'), true), 3: f('roleRef', m('RoleRef')) },
  ClusterRoleBinding: { 1: f('metadata', m('ObjectMeta')), 2: f('subjects', m('Subject'), true), 3: f('roleRef', m('RoleRef')) },
  Subject: { 1: f('kind', 'string'), 2: f('apiGroup', 'string'), 3: f('name', 'string'), 4: f('namespace', 'string') },
  RoleRef: { 1: f('apiGroup', 'string'), 2: f('kind', 'string'), 3: f('name', 'string') },
  SelfSubjectAccessReview: { 1: f('metadata', m('ObjectMeta')), 2: f('spec', m('SelfSubjectAccessReviewSpec')), 3: f('status', m('SubjectAccessReviewStatus')) },
  SubjectAccessReviewStatus: { 1: f('allowed', 'bool'), 2: f('reason', 'string'), 3: f('evaluationError', 'string'), 4: f('denied', 'bool') },
  SelfSubjectAccessReviewSpec: { 1: f('resourceAttributes', m('ResourceAttributes')), 2: f('nonResourceAttributes', m('NonResourceAttributes')) },
  SubjectAccessReview: { 1: f('metadata', m('ObjectMeta')), 2: f('spec', m('SubjectAccessReviewSpec')), 3: f('status', m('SubjectAccessReviewStatus')) },
  SubjectAccessReviewSpec: {
    1: f('resourceAttributes', m('ResourceAttributes')),
    2: f('nonResourceAttributes', m('NonResourceAttributes')),
    3: f('user', 'string'),
    4: f('groups', 'string', true),
    5: f('extra', { map: 'stringList' }),
    6: f('uid', 'string'),
  },
  ResourceAttributes: {
    1: f('namespace', 'string'),
    2: f('verb', 'string'),
    3: f('group', 'string'),
    4: f('version', 'string'),
    5: f('resource', 'string'),
    6: f('subresource', 'string'),
    7: f('name', 'string'),
  },
  NonResourceAttributes: { 1: f('path', 'string'), 2: f('verb', 'string') },
  Time: { 1: f('seconds', 'int'), 2: f('nanos', 'int') },
  TypeMeta: { 1: f('apiVersion', 'string'), 2: f('kind', 'string') },
  Unknown: { 1: f('typeMeta', m('TypeMeta')), 2: f('raw', 'bytes'), 3: f('contentEncoding', 'string'), 4: f('contentType', 'string') },
};

/** Top-level kinds by apiVersion/kind. */
const KINDS = new Set([
  'v1/Namespace',
  'v1/ServiceAccount',
  'v1/ConfigMap',
  'v1/Secret',
  'authentication.k8s.io/v1/TokenRequest',
  'certificates.k8s.io/v1/CertificateSigningRequest',
  'authorization.k8s.io/v1/SelfSubjectAccessReview',
  'authorization.k8s.io/v1/SubjectAccessReview',
  'rbac.authorization.k8s.io/v1/Role',
  'rbac.authorization.k8s.io/v1/ClusterRole',
  'rbac.authorization.k8s.io/v1/RoleBinding',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding',
]);

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  done(): boolean {
    return this.pos >= this.buf.length;
  }
  varint(): bigint {
    let result = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (this.pos >= this.buf.length) throw new ProtobufError('truncated varint');
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
    }
  }
  bytes(): Buffer {
    const len = Number(this.varint());
    if (this.pos + len > this.buf.length) throw new ProtobufError('truncated length-delimited field');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
}

function scalar(type: FieldType, wire: number, r: Reader): unknown {
  if (type === 'string' || type === 'bytes') {
    if (wire !== 2) throw new ProtobufError(`expected a length-delimited ${type}`);
    const b = r.bytes();
    return type === 'string' ? b.toString('utf8') : b.toString('base64');
  }
  if (type === 'int' || type === 'bool') {
    if (wire !== 0) throw new ProtobufError(`expected a varint ${type}`);
    const v = BigInt.asIntN(64, r.varint());
    return type === 'bool' ? v !== 0n : Number(v);
  }
  if (type === 'time') {
    const t = decodeMessage('Time', r.bytes()) as { seconds?: number };
    // The zero Time is JSON null (omitted).
    return t.seconds ? new Date(t.seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') : undefined;
  }
  if ('message' in type) return decodeMessage(type.message, r.bytes());
  // map entry: key = 1 (string), value = 2
  const entry = new Reader(r.bytes());
  let key = '';
  let value: unknown = type.map === 'stringList' ? [] : '';
  while (!entry.done()) {
    const tag = Number(entry.varint());
    if (tag >> 3 === 1) key = scalar('string', tag & 7, entry) as string;
    else if (tag >> 3 === 2) value = type.map === 'stringList' ? (decodeMessage('ExtraValue', entry.bytes()).items ?? []) : scalar(type.map, tag & 7, entry);
    else throw new ProtobufError(`unexpected field ${tag >> 3} in a map entry`);
  }
  return [key, value];
}

function decodeMessage(name: string, buf: Buffer): Record<string, unknown> {
  const schema = SCHEMAS[name]!;
  const out: Record<string, unknown> = {};
  const r = new Reader(buf);
  while (!r.done()) {
    const tag = Number(r.varint());
    const field = schema[tag >> 3];
    if (!field) throw new ProtobufError(`field ${tag >> 3} of ${name} is not supported by the test API server`);
    const value = scalar(field.type, tag & 7, r);
    // gogo-protobuf writes every non-pointer field, zero values included; JSON (omitempty) leaves
    // empty strings and the zero Time out, and so does the decoded object.
    if (value === undefined || (value === '' && field.type === 'string' && !field.repeated)) continue;
    if (field.name === 'generation' && value === 0) continue;
    if (typeof field.type === 'object' && 'map' in field.type) {
      const [k, v] = value as [string, unknown];
      out[field.name] = { ...((out[field.name] as object) ?? {}), [k]: v };
    } else if (field.repeated) out[field.name] = [...((out[field.name] as unknown[]) ?? []), value];
    else out[field.name] = value;
  }
  return out;
}

/** A Kubernetes protobuf body as the equivalent JSON object (apiVersion and kind included). */
export function decodeKubernetesProtobuf(body: Buffer): Record<string, unknown> {
  if (body.length < 4 || body.subarray(0, 4).toString('latin1') !== 'k8s\0') throw new ProtobufError('missing the k8s\\0 protobuf envelope prefix');
  const unknown = decodeMessage('Unknown', body.subarray(4)) as { typeMeta?: { apiVersion?: string; kind?: string }; raw?: string; contentEncoding?: string };
  const apiVersion = unknown.typeMeta?.apiVersion ?? '';
  const kind = unknown.typeMeta?.kind ?? '';
  if (unknown.contentEncoding) throw new ProtobufError(`content encoding ${unknown.contentEncoding} is not supported`);
  if (!KINDS.has(`${apiVersion}/${kind}`)) throw new ProtobufError(`protobuf bodies of ${apiVersion}/${kind} are not supported by the test API server`);
  return { apiVersion, kind, ...decodeMessage(kind, Buffer.from(unknown.raw ?? '', 'base64')) };
}
