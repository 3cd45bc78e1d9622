// Which workflow a node runs, by role: the init control-plane node runs kubeadm init's phases; joining
// control-plane nodes and workers run kubeadm join's (control-plane parts skipped on workers).
import type { NodeRole } from '../node-config.js';
import type { Phase } from '../runner.js';
import type { BootData } from '../data.js';
import { initPhases } from './init/index.js';
import { joinPhases } from './join/index.js';

export const ROLES: readonly NodeRole[] = ['init', 'control-plane-join', 'worker'];

export function phasesFor(role: NodeRole): Phase<BootData>[] {
  return role === 'init' ? initPhases() : joinPhases();
}
