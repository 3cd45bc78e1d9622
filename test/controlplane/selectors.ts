// Label and field selectors for list requests, as upstream parses them
// (staging/src/k8s.io/apimachinery/pkg/labels/selector.go, .../fields/selector.go):
// labels: `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`, comma-separated (AND);
// fields: `path=v`, `path==v`, `path!=v` over the field labels the resource supports.
import { badRequest } from './status.js';
import type { KubeObject } from './store.js';

export type Matcher = (obj: KubeObject) => boolean;

/** Splits on commas that are not inside parentheses. */
function splitTerms(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((t) => t.trim()).filter((t) => t !== '');
}

export function parseLabelSelector(selector: string): Matcher {
  const tests = splitTerms(selector).map((term): ((labels: Record<string, string>) => boolean) => {
    let m: RegExpExecArray | null;
    if ((m = /^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term))) {
      const [, key, op, list] = m as unknown as [string, string, string, string];
      const values = list.split(',').map((v) => v.trim());
      return op === 'in' ? (l) => key in l && values.includes(l[key]!) : (l) => !(key in l) || !values.includes(l[key]!);
    }
    if ((m = /^([^\s!=]+)\s*(==|=|!=)\s*([^\s]*)$/.exec(term))) {
      const [, key, op, value] = m as unknown as [string, string, string, string];
      return op === '!=' ? (l) => l[key] !== value : (l) => l[key] === value;
    }
    if ((m = /^!\s*([^\s!=]+)$/.exec(term))) {
      const key = m[1]!;
      return (l) => !(key in l);
    }
    if (/^[^\s!=(),]+$/.test(term)) return (l) => term in l;
    throw badRequest(`unable to parse requirement: invalid label selector term ${JSON.stringify(term)}`);
  });
  return (obj) => tests.every((t) => t(obj.metadata.labels ?? {}));
}

function fieldValue(obj: KubeObject, path: string): string {
  let cur: unknown = obj;
  for (const part of path.split('.')) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[part] : undefined;
  return cur === undefined || cur === null ? '' : String(cur);
}

export function parseFieldSelector(selector: string, supported: readonly string[]): Matcher {
  const allowed = new Set(['metadata.name', 'metadata.namespace', ...supported]);
  const tests = splitTerms(selector).map((term) => {
    const m = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!m) throw badRequest(`invalid selector: '${selector}'; can't understand '${term}'`);
    const [, path, op, value] = m as unknown as [string, string, string, string];
    if (!allowed.has(path)) throw badRequest(`field label not supported: ${path}`);
    return (obj: KubeObject) => (fieldValue(obj, path) === value) === (op !== '!=');
  });
  return (obj) => tests.every((t) => t(obj));
}
