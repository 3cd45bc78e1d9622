// The inventory while it is being checked: the schema's output, shaped like the model in types.ts but
// with holes wherever a value was invalid. Derived defaults, file reading and semantic checks work on it;
// load.ts turns it into an Inventory only when no error was found.
import type { Path } from './path.js';
import type { ClusterSpec, NodeSpec } from './types.js';

export type DeepPartial<T> = T extends readonly (infer U)[]
  ? (DeepPartial<U> | undefined)[]
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

export type DraftCluster = DeepPartial<ClusterSpec>;
export type DraftNode = DeepPartial<NodeSpec>;

export interface Draft {
  cluster?: DraftCluster;
  nodes?: (DraftNode | undefined)[];
}

/** Records one finding at the place `path` was written (its key or its value). */
export type Report = (severity: 'error' | 'warning', path: Path, part: 'key' | 'value', message: string) => void;
