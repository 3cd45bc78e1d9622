// Replacements `kgen replace` has rendered, kept in the state as replacements.yaml, so that running the command
// again before the machine is back changes nothing (no second generation, no second token). An entry names the
// generation it rendered and when; it stops counting once a Node of that name registers after that time (the
// reimaged machine joined, and a new `kgen replace` is a new replacement). Not secret; written atomically.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from '../yaml-input.js';
import { writeFileAtomic } from '../fsutil.js';
import { toYaml } from '../yaml.js';
import { StateError } from './state.js';

export interface RenderedReplacement {
  generation: number;
  /** RFC 3339. */
  renderedAt: string;
}

const FILE = 'replacements.yaml';

export function readReplacements(stateDir: string): Record<string, RenderedReplacement> {
  const path = join(stateDir, FILE);
  if (!existsSync(path)) return {};
  const nodes = (parse(readFileSync(path, 'utf8')) as { nodes?: Record<string, RenderedReplacement> } | null)?.nodes ?? {};
  for (const [name, r] of Object.entries(nodes)) {
    if (!Number.isInteger(r?.generation) || Number.isNaN(Date.parse(String(r?.renderedAt)))) {
      throw new StateError(`${path}: nodes.${name} needs a whole generation and an RFC 3339 renderedAt; remove the entry to replace ${name} from scratch`);
    }
  }
  return nodes;
}

export function recordReplacement(stateDir: string, node: string, entry: RenderedReplacement): void {
  const nodes = { ...readReplacements(stateDir), [node]: entry };
  const sorted = Object.fromEntries(Object.entries(nodes).sort(([a], [b]) => a.localeCompare(b)));
  writeFileAtomic(join(stateDir, FILE), toYaml({ nodes: sorted }), { mode: 0o644, durable: true });
}
