// Per-node generation numbers, kept in the state as generations.yaml. A node's generation starts at 1 and
// is bumped by `kgen render --reimage NODE`; it feeds meta-data's instance-id, so cloud-init runs again on
// a reimaged machine. A node that was given its own bootstrap token (because the cluster token expired
// before the reimage) records that token's id here. Not secret; rewritten atomically on --reimage only,
// as part of the state transaction (src/secrets/state.ts).
import { parse } from '../yaml-input.js';
import { toYaml } from '../yaml.js';

export interface NodeGeneration {
  generation: number;
  /** Bootstrap token id this node joins with, when not the cluster token. */
  tokenId?: string;
}

export type Generations = Record<string, NodeGeneration>;

export const GENERATIONS_FILE = 'generations.yaml';

/** The generations in the file's text; each problem names the entry. */
export function parseGenerations(text: string, problems: string[]): Generations {
  let doc: { nodes?: Generations } | null;
  try {
    doc = parse(text) as { nodes?: Generations } | null;
  } catch {
    problems.push(`${GENERATIONS_FILE} is not valid YAML`);
    return {};
  }
  const nodes = doc?.nodes ?? {};
  if ((doc !== null && (typeof doc !== 'object' || Array.isArray(doc))) || typeof nodes !== 'object' || Array.isArray(nodes)) {
    problems.push(`${GENERATIONS_FILE}: nodes must be a mapping of node names`);
    return {};
  }
  const good: Generations = {};
  for (const [name, g] of Object.entries(nodes)) {
    if (!Number.isInteger(g?.generation) || g.generation < 1) {
      problems.push(`${GENERATIONS_FILE}: nodes.${name}.generation must be a whole number >= 1; restore the file from your backup or remove the entry`);
    } else good[name] = g;
  }
  return good;
}

export function generationsYaml(generations: Generations): string {
  const sorted = Object.fromEntries(Object.entries(generations).sort(([a], [b]) => a.localeCompare(b)));
  return toYaml({ nodes: sorted });
}

export function generationOf(generations: Generations, node: string): number {
  return generations[node]?.generation ?? 1;
}
