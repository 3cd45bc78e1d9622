// JSON Patch (RFC 6902) for application/json-patch+json, with JSON Pointer paths (RFC 6901):
// add, remove, replace, move, copy, test. A failed `test` or a missing path fails the whole patch,
// which kube-apiserver reports as 422 (here: the caller turns the thrown error into one).

export class JsonPatchError extends Error {}

interface Op {
  op: string;
  path: string;
  value?: unknown;
  from?: string;
}

function tokens(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new JsonPatchError(`invalid JSON pointer ${JSON.stringify(pointer)}: must start with /`);
  return pointer.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

type Container = Record<string, unknown> | unknown[];

function parent(doc: unknown, path: string): { container: Container; key: string } {
  const t = tokens(path);
  if (t.length === 0) throw new JsonPatchError('operations on the whole document are not supported');
  let cur: unknown = doc;
  for (const k of t.slice(0, -1)) {
    cur = Array.isArray(cur) ? cur[Number(k)] : (cur as Record<string, unknown> | undefined)?.[k];
    if (cur === null || typeof cur !== 'object') throw new JsonPatchError(`path ${path} does not exist`);
  }
  return { container: cur as Container, key: t[t.length - 1]! };
}

function get(doc: unknown, path: string): unknown {
  const { container, key } = parent(doc, path);
  const v = Array.isArray(container) ? container[Number(key)] : container[key];
  if (v === undefined) throw new JsonPatchError(`path ${path} does not exist`);
  return v;
}

function remove(doc: unknown, path: string): unknown {
  const { container, key } = parent(doc, path);
  const old = get(doc, path);
  if (Array.isArray(container)) container.splice(Number(key), 1);
  else delete container[key];
  return old;
}

function add(doc: unknown, path: string, value: unknown): void {
  const { container, key } = parent(doc, path);
  if (Array.isArray(container)) {
    const i = key === '-' ? container.length : Number(key);
    if (!(i >= 0 && i <= container.length)) throw new JsonPatchError(`array index ${key} out of range at ${path}`);
    container.splice(i, 0, value);
  } else container[key] = value;
}

export function jsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new JsonPatchError('a JSON patch must be an array of operations');
  const doc = structuredClone(target);
  for (const o of ops as Op[]) {
    switch (o.op) {
      case 'add':
        add(doc, o.path, structuredClone(o.value));
        break;
      case 'remove':
        remove(doc, o.path);
        break;
      case 'replace':
        remove(doc, o.path);
        add(doc, o.path, structuredClone(o.value));
        break;
      case 'move':
        add(doc, o.path, remove(doc, o.from ?? ''));
        break;
      case 'copy':
        add(doc, o.path, structuredClone(get(doc, o.from ?? '')));
        break;
      case 'test':
        if (JSON.stringify(get(doc, o.path)) !== JSON.stringify(o.value)) throw new JsonPatchError(`test operation failed at ${o.path}`);
        break;
      default:
        throw new JsonPatchError(`unknown JSON patch operation ${JSON.stringify(o.op)}`);
    }
  }
  return doc;
}
