// Per-node generation numbers, kept in the state as generations.yaml. A node's generation starts at 1 and
// is bumped by `kgen render --reimage NODE`; it feeds meta-data's instance-id, so cloud-init runs again on
// a reimaged machine. A node that was given its own bootstrap token (because the cluster token expired
// before the reimage) records that token's id here. Not secret; rewritten atomically on --reimage only.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from '../yaml-input.js';
import { writeFileAtomic } from '../fsutil.js';
import { toYaml } from '../yaml.js';
import { StateError } from './state.js';

export interface NodeGeneration {
  generation: number;
  /** Bootstrap token id this node joins with, when not the cluster token. */
  tokenId?: string;
}

export type Generations = Record<string, NodeGeneration>;

const FILE = 'generations.yaml';

export function readGenerations(stateDir: string): Generations {
  const path = join(stateDir, FILE);
  if (!existsSync(path)) return {};
  const doc = parse(readFileSync(path, 'utf8')) as { nodes?: Generations } | null;
  const nodes = doc?.nodes ?? {};
  for (const [name, g] of Object.entries(nodes)) {
    if (!Number.isInteger(g?.generation) || g.generation < 1) {
      throw new StateError(`${path}: nodes.${name}.generation must be a whole number >= 1; restore the file from your backup or remove the entry`);
    }
  }
  return nodes;
}

export function writeGenerations(stateDir: string, generations: Generations): void {
  const sorted = Object.fromEntries(Object.entries(generations).sort(([a], [b]) => a.localeCompare(b)));
  writeFileAtomic(join(stateDir, FILE), toYaml({ nodes: sorted }), { mode: 0o644, durable: true });
}

export function generationOf(generations: Generations, node: string): number {
  return generations[node]?.generation ?? 1;
}
