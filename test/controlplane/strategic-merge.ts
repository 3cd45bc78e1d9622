// Strategic merge patch (application/strategic-merge-patch+json) as
// staging/src/k8s.io/apimachinery/pkg/util/strategicpatch/patch.go applies it to built-in types:
// maps merge recursively (null deletes); lists of objects with a patch merge key merge element by
// element on that key (`$patch: delete` removes one), other lists are replaced; primitive lists with
// the merge strategy (finalizers) are unioned; directives `$patch: replace|delete` on maps,
// `$retainKeys`, `$setElementOrder/<field>` and `$deleteFromPrimitiveList/<field>` are honoured and
// never stored. Upstream reads merge keys from the Go struct tags; here they come from the table
// below, keyed by field name, which covers the core/apps/coordination fields bootstrap objects use.

const MERGE_KEYS: Record<string, string> = {
  taints: 'key',
  conditions: 'type',
  addresses: 'type',
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  imagePullSecrets: 'name',
  ownerReferences: 'uid',
  hostAliases: 'ip',
  topologySpreadConstraints: 'topologyKey',
  images: 'names',
};
/** Primitive lists with patchStrategy "merge". */
const MERGE_PRIMITIVE_LISTS = new Set(['finalizers']);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

function mergeList(field: string, original: unknown, patch: unknown[], order: unknown[] | undefined): unknown[] {
  const key = MERGE_KEYS[field];
  if (MERGE_PRIMITIVE_LISTS.has(field)) {
    const out = Array.isArray(original) ? [...original] : [];
    for (const p of patch) if (!out.includes(p)) out.push(p);
    return order ? [...order.filter((o) => out.includes(o)), ...out.filter((o) => !order.includes(o))] : out;
  }
  if (!key || !patch.every(isObj)) return patch;
  const out: Obj[] = Array.isArray(original) ? (original.filter(isObj) as Obj[]).map((o) => ({ ...o })) : [];
  for (const p of patch as Obj[]) {
    const at = out.findIndex((o) => JSON.stringify(o[key]) === JSON.stringify(p[key]));
    if (p.$patch === 'delete') {
      if (at >= 0) out.splice(at, 1);
      continue;
    }
    if (at >= 0) out[at] = strategicMerge(out[at], p) as Obj;
    else out.push(strategicMerge({}, p) as Obj);
  }
  if (!order) return out;
  const rank = (o: Obj) => order.findIndex((e) => isObj(e) && JSON.stringify(e[key]) === JSON.stringify(o[key]));
  const ordered = out.filter((o) => rank(o) >= 0).sort((a, b) => rank(a) - rank(b));
  return [...ordered, ...out.filter((o) => rank(o) < 0)];
}

export function strategicMerge(original: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return patch;
  if (patch.$patch === 'replace') {
    const { $patch: _, ...rest } = patch;
    return rest;
  }
  if (patch.$patch === 'delete') return undefined;
  const out: Obj = isObj(original) ? { ...original } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys' || k.startsWith('$setElementOrder/')) continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      if (Array.isArray(out[field]) && Array.isArray(v)) out[field] = (out[field] as unknown[]).filter((x) => !v.includes(x));
      continue;
    }
    if (v === null) {
      delete out[k];
      continue;
    }
    const order = patch[`$setElementOrder/${k}`] as unknown[] | undefined;
    const merged = Array.isArray(v) ? mergeList(k, out[k], v, order) : strategicMerge(out[k], v);
    if (merged === undefined) delete out[k];
    else out[k] = merged;
  }
  // $setElementOrder without a patch for that list only reorders.
  for (const [k, v] of Object.entries(patch)) {
    const field = k.startsWith('$setElementOrder/') ? k.slice('$setElementOrder/'.length) : undefined;
    if (field && !(field in patch) && Array.isArray(out[field]) && Array.isArray(v)) out[field] = mergeList(field, out[field], [], v);
  }
  if (Array.isArray(patch.$retainKeys)) {
    for (const k of Object.keys(out)) if (!(patch.$retainKeys as string[]).includes(k)) delete out[k];
  }
  return out;
}
