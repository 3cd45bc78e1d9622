// Entry point of the inventory: nodes.yaml on disk → Inventory, or every problem found with its
// file:line:col. Steps: parse (source.ts) → schema walk with static defaults (spec.ts, schema.ts) →
// cross-field checks (semantic.ts) → referenced files (files.ts) → derived defaults (derive.ts).
// All steps run even after errors so one run reports everything; diagnostics come back sorted by position.
import { dirname, resolve } from 'node:path';
import { applyDerivedDefaults } from './derive.js';
import type { Draft, Report } from './draft.js';
import { resolveFiles, type FileAccess } from './files.js';
import { formatPath } from './path.js';
import { checkSemantics } from './semantic.js';
import { check } from './schema.js';
import { InputFileError, LIMITS, NOT_FOUND, readRegularFile } from './read.js';
import { parseSource } from './source.js';
import { INVENTORY_SCHEMA } from './spec.js';
import type { ClusterSpec, Diagnostic, Inventory, NodeSpec } from './types.js';

export interface InventoryDeps extends FileAccess {
  /** Directory a relative nodes.yaml path is resolved against (default: the process's working directory). */
  cwd?: string;
  /** The clock certificate validity is checked against (render passes its own; default: now). */
  now?: () => Date;
}

export interface LoadResult {
  /** Set only when no diagnostic has severity error. */
  inventory?: Inventory;
  diagnostics: Diagnostic[];
}

/** The real file system; spread it with a `cwd` to resolve --nodes against a CLI's working directory. */
export const diskDeps: InventoryDeps = {
  readFile: readRegularFile,
};

/** Reads and checks nodes.yaml. `file` appears in diagnostics exactly as given. */
export function loadInventory(file: string, deps: InventoryDeps = diskDeps): LoadResult {
  const absFile = resolve(deps.cwd ?? process.cwd(), file);
  let text: string;
  try {
    text = deps.readFile(absFile, LIMITS.inventoryBytes);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? NOT_FOUND : err instanceof InputFileError ? err.reason : (err as Error).message;
    return { diagnostics: [{ severity: 'error', file, line: 1, col: 1, path: formatPath([]), message: `cannot read the inventory: ${reason}; check the --nodes path` }] };
  }

  const source = parseSource(text);
  const diagnostics: Diagnostic[] = source.problems.map((p) => ({ severity: p.severity, file, ...p.pos, path: formatPath([]), message: p.message }));
  const report: Report = (severity, path, part, message) => {
    diagnostics.push({ severity, file, ...source.map.at(path, part), path: formatPath(path), message });
  };

  let draft: Draft | undefined;
  const tooMany = nodeCount(source.value) > LIMITS.nodes;
  if (tooMany) report('error', ['nodes'], 'key', `${nodeCount(source.value)} nodes; an inventory holds at most ${LIMITS.nodes} (split the fleet into several clusters)`);
  if (source.value !== undefined && !tooMany) {
    draft = check(INVENTORY_SCHEMA, source.value ?? {}, [], {
      error: (path, part, message) => report('error', path, part, message),
    }) as Draft | undefined;
    if (draft) {
      const written = source.map.has;
      // Semantic checks see init/taints/endpoint as written, before the derived defaults fill them.
      checkSemantics(draft, { report, written, line: (path) => source.map.at(path, 'value').line, now: (deps.now ?? (() => new Date()))() });
      resolveFiles(draft, dirname(absFile), deps, report);
      applyDerivedDefaults(draft, written);
    }
  }

  diagnostics.sort((a, b) => a.line - b.line || a.col - b.col);
  if (diagnostics.some((d) => d.severity === 'error')) return { diagnostics };
  // No error: the schema produced every required field and derive.ts filled the dependent defaults,
  // so the draft has the model's full shape.
  const { cluster, nodes } = draft as { cluster: ClusterSpec; nodes: NodeSpec[] };
  return { inventory: { file: absFile, cluster, nodes }, diagnostics };
}

function nodeCount(doc: unknown): number {
  const nodes = doc !== null && typeof doc === 'object' ? (doc as { nodes?: unknown }).nodes : undefined;
  return Array.isArray(nodes) ? nodes.length : 0;
}
