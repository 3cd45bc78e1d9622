// Object validation kube-apiserver applies before storing, for the rules a generated object can
// break (staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go,
// pkg/apis/core/validation/validation.go): object names per resource (RFC 1123 subdomain, RFC 1123
// label for namespaces, RFC 1035 label for services, path segment for RBAC objects), label keys and
// values, ConfigMap/Secret data keys; on update, the fields that are immutable (Secret type,
// data of `immutable` ConfigMaps/Secrets, a Node's podCIDR once set). Messages are upstream's.
import type { ResourceInfo } from './resources.js';
import type { KubeObject } from './store.js';

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_1123_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const LABEL_1035_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const CONFIG_KEY_MSG =
  "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";

const RBAC_KINDS = new Set(['roles', 'rolebindings', 'clusterroles', 'clusterrolebindings', 'certificatesigningrequests']);

function nameProblem(res: ResourceInfo, name: string): string | undefined {
  if (res.group === 'rbac.authorization.k8s.io' || RBAC_KINDS.has(res.resource)) {
    if (name === '.' || name === '..') return `may not be '${name}'`;
    if (/[/%]/.test(name)) return `may not contain '${name.includes('/') ? '/' : '%'}'`;
    return undefined;
  }
  if (res.resource === 'namespaces') return name.length <= 63 && LABEL_1123.test(name) ? undefined : LABEL_1123_MSG;
  if (res.resource === 'services') return name.length <= 63 && LABEL_1035.test(name) ? undefined : LABEL_1035_MSG;
  return name.length <= 253 && SUBDOMAIN.test(name) ? undefined : SUBDOMAIN_MSG;
}

function qualifiedNameProblem(key: string): boolean {
  const parts = key.split('/');
  if (parts.length > 2) return true;
  const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]!];
  if (prefix !== undefined && (prefix.length > 253 || !SUBDOMAIN.test(prefix))) return true;
  return name!.length > 63 || !QUALIFIED_NAME.test(name!);
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

function updateProblems(res: ResourceInfo, obj: KubeObject, old: KubeObject): string[] {
  const problems: string[] = [];
  if (res.group !== '') return problems;
  if (res.resource === 'secrets' && (obj.type ?? 'Opaque') !== (old.type ?? 'Opaque')) {
    problems.push(`type: Invalid value: ${JSON.stringify(obj.type ?? 'Opaque')}: field is immutable`);
  }
  if ((res.resource === 'secrets' || res.resource === 'configmaps') && old.immutable === true) {
    if (!same(obj.data, old.data) || !same(obj.binaryData, old.binaryData)) problems.push('data: Forbidden: field is immutable when `immutable` is set');
    if (obj.immutable !== true) problems.push('immutable: Forbidden: field is immutable when `immutable` is set');
  }
  if (res.resource === 'nodes') {
    const before = (old.spec as { podCIDR?: string } | undefined)?.podCIDR;
    if (before && before !== (obj.spec as { podCIDR?: string } | undefined)?.podCIDR) {
      problems.push('spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid');
    }
  }
  return problems;
}

/** Field errors in upstream's "path: Invalid value: ..." form; empty when the object is valid. */
export function validateObject(res: ResourceInfo, obj: KubeObject, old?: KubeObject): string[] {
  const problems: string[] = [];
  const name = obj.metadata.name ?? `${obj.metadata.generateName ?? ''}x`;
  const np = nameProblem(res, name);
  if (np) problems.push(`metadata.name: Invalid value: ${JSON.stringify(obj.metadata.name ?? obj.metadata.generateName)}: ${np}`);
  for (const [k, v] of Object.entries(obj.metadata.labels ?? {})) {
    if (qualifiedNameProblem(k)) problems.push(`metadata.labels: Invalid value: ${JSON.stringify(k)}: name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`);
    if (typeof v !== 'string' || v.length > 63 || (v !== '' && !QUALIFIED_NAME.test(v))) {
      problems.push(`metadata.labels: Invalid value: ${JSON.stringify(v)}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`);
    }
  }
  if (res.group === '' && (res.resource === 'configmaps' || res.resource === 'secrets')) {
    for (const field of ['data', 'binaryData', 'stringData']) {
      for (const k of Object.keys((obj[field] as Record<string, unknown>) ?? {})) {
        if (k.length > 253 || !CONFIG_KEY.test(k)) problems.push(`${field}[${k}]: Invalid value: ${JSON.stringify(k)}: ${CONFIG_KEY_MSG}`);
      }
    }
  }
  if (old) problems.push(...updateProblems(res, obj, old));
  return problems;
}
