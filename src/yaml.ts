// The one place kgen turns objects into YAML. Every rendered file (user-data, node.yaml, manifests,
// kubeconfigs, Kubernetes objects) goes through here so that output is byte-stable and looks the
// same everywhere: apiVersion/kind/metadata first (as kubectl prints), the rest in insertion order,
// no line folding, no anchors/aliases, block style.
// Output is quoted for YAML 1.1 readers: cloud-init reads with PyYAML and Kubernetes with go-yaml, both of
// which take an unquoted 52:54:00:00:00:11 as a base-60 integer and on/yes/y as booleans. Emitting with the
// yaml package's 1.1 rules quotes such strings; the result still reads the same under YAML 1.2.
import { stringify, type ToStringOptions } from 'yaml';

const OPTIONS: ToStringOptions & { aliasDuplicateObjects: false; version: '1.1' } = {
  lineWidth: 0,
  minContentWidth: 0,
  indent: 2,
  indentSeq: false,
  aliasDuplicateObjects: false,
  version: '1.1',
};

const LEADING_KEYS = ['apiVersion', 'kind', 'metadata'];

/** Returns a copy of `value` with undefined dropped and Kubernetes' leading keys first at every level. */
function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalize);
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return value;
  const input = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const keys = Object.keys(input);
  const ordered = [...LEADING_KEYS.filter((k) => keys.includes(k)), ...keys.filter((k) => !LEADING_KEYS.includes(k))];
  for (const key of ordered) {
    if (input[key] !== undefined) out[key] = normalize(input[key]);
  }
  return out;
}

/** One YAML document. */
export function toYaml(value: unknown): string {
  return stringify(normalize(value), OPTIONS);
}

/** Several documents joined with `---`, as kubectl apply -f accepts. */
export function toYamlDocuments(values: readonly unknown[]): string {
  return values.map((v) => toYaml(v)).join('---\n');
}
