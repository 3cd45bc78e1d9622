// Which workflow a node runs, by role: the init control-plane node runs kubeadm init's phases; joining
// control-plane nodes and workers run kubeadm join's, which this build does not carry yet.
import type { NodeRole } from '../node-config.js';
import type { Phase } from '../runner.js';
import type { BootData } from './data.js';
import { initPhases } from './init/index.js';

export const ROLES: readonly NodeRole[] = ['init', 'control-plane-join', 'worker'];

export function phasesFor(role: NodeRole): Phase<BootData>[] {
  if (role === 'init') return initPhases();
  throw new Error(`this kgen-boot build has no phases for role "${role}" yet (join workflow not implemented); only the init control-plane node can boot with it`);
}
