// Paths into nodes.yaml (`nodes[2].labels["node-role.kubernetes.io/worker"]`): how diagnostics name a
// place, and the key under which source positions are stored.
import { EXCERPT_CHARS, quote } from './excerpt.js';

export type Path = readonly (string | number)[];

/** Human form: identifiers with dots, indexes in brackets, other keys quoted (and cut when long) in brackets; the root is "(document)". */
export function formatPath(path: Path): string {
  if (path.length === 0) return '(document)';
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (seg.length <= EXCERPT_CHARS && /^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${quote(seg)}]`;
  }
  return out;
}

/** Unambiguous map key for a path. */
export function pathKey(path: Path): string {
  return JSON.stringify(path);
}
