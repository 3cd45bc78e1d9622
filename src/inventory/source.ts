// nodes.yaml as text → plain value plus a source map (path → line:col), using the `yaml` package's
// document API with a LineCounter. YAML errors (syntax, duplicate keys, several documents) become
// problems with their own position; the schema and semantic checks ask the map where a path was written.
import { LineCounter, isMap, isScalar, isSeq, type Node, type YAMLError } from 'yaml';
import { parseDocument } from '../yaml-input.js';
import { pathKey, type Path } from './path.js';

export interface Pos {
  line: number;
  col: number;
}

export interface SourceMap {
  /** Where `path` was written: its key (for a mapping entry) or its value; the nearest written ancestor otherwise. */
  at(path: Path, part: 'key' | 'value'): Pos;
  /** Whether `path` was written in the file (even with an invalid or null value). */
  has(path: Path): boolean;
}

export interface SourceProblem {
  severity: 'error' | 'warning';
  pos: Pos;
  message: string;
}

export interface Source {
  /** The document as plain JavaScript (null for an empty file); undefined when it could not be read at all. */
  value: unknown;
  map: SourceMap;
  problems: SourceProblem[];
}

interface Entry {
  key?: number;
  value?: number;
}

function start(node: unknown): number | undefined {
  return node && typeof node === 'object' && 'range' in node ? (node as Node).range?.[0] : undefined;
}

/**
 * Keys that would reach Object.prototype or a constructor once the document is a plain JavaScript object
 * (prototype pollution); no nodes.yaml field, label or flag has these names.
 */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function record(node: unknown, path: Path, entries: Map<string, Entry>, forbidden: number[]): void {
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      if (FORBIDDEN_KEYS.has(key)) forbidden.push(start(pair.key) ?? 0);
      const p = [...path, key];
      entries.set(pathKey(p), { key: start(pair.key), value: start(pair.value) });
      record(pair.value, p, entries, forbidden);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => {
      const p = [...path, i];
      entries.set(pathKey(p), { value: start(item) });
      record(item, p, entries, forbidden);
    });
  }
  // Scalars have no children; aliases are not followed: paths below one resolve to the alias itself.
}

/** Messages for the yaml errors an inventory author meets most, in the author's terms. */
const PLAIN: Partial<Record<string, string>> = {
  DUPLICATE_KEY: 'duplicate key: this key already appears in the same mapping; keep one',
  MULTIPLE_DOCS: 'a second YAML document starts here; nodes.yaml holds one document (remove the "---" and merge the parts)',
};

/** The problem's message: a plain one for common codes, else yaml's first line without its "at line N, column M" (reported separately). */
function summary(e: YAMLError): string {
  // yaml reports an unclosed quote where the file ends; say where to look instead.
  if (e.code === 'MISSING_CHAR' && e.message.includes('quote')) return 'a quoted string is not closed by the end of the file; look above for an unbalanced " or \'';
  return PLAIN[e.code] ?? e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

export function parseSource(text: string): Source {
  const lineCounter = new LineCounter();
  // merge: YAML 1.1 merge keys (`<<: *defaults`), common in inventories that share settings between nodes.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: true });
  const pos = (offset: number): Pos => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, col };
  };
  const entries = new Map<string, Entry>();
  entries.set(pathKey([]), { value: start(doc.contents) });
  const forbidden: number[] = [];
  record(doc.contents, [], entries, forbidden);

  const map: SourceMap = {
    at(path, part) {
      for (let p = path, first = true; ; p = p.slice(0, -1), first = false) {
        const e = entries.get(pathKey(p));
        const offset = first && part === 'key' ? (e?.key ?? e?.value) : (e?.value ?? e?.key);
        if (offset !== undefined) return pos(offset);
        if (p.length === 0) return { line: 1, col: 1 };
      }
    },
    has: (path) => entries.has(pathKey(path)),
  };

  const problems: SourceProblem[] = [
    ...doc.errors.map((e) => ({ severity: 'error' as const, pos: pos(e.pos[0]), message: summary(e) })),
    ...doc.warnings.map((e) => ({ severity: 'warning' as const, pos: pos(e.pos[0]), message: summary(e) })),
  ];
  for (const offset of forbidden) {
    problems.push({ severity: 'error', pos: pos(offset), message: `the key is one of ${[...FORBIDDEN_KEYS].join(', ')}, which nodes.yaml does not allow anywhere (they would change JavaScript objects' prototypes)` });
  }
  if (doc.errors.length > 0 || forbidden.length > 0) return { value: undefined, map, problems };
  try {
    return { value: doc.toJS({ maxAliasCount: 100 }), map, problems };
  } catch (err) {
    problems.push({ severity: 'error', pos: { line: 1, col: 1 }, message: `cannot expand the document: ${(err as Error).message}` });
    return { value: undefined, map, problems };
  }
}
