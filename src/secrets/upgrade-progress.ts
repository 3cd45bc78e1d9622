// The progress of `kgen upgrade apply`, kept in the state as upgrade.yaml so that a run stopped anywhere (a
// failed health check, Ctrl-C, a crash of the workstation) continues where it stopped: the target, the etcd
// snapshot taken before the first control-plane step, the nodes already back at the target, the batch in
// flight and how far it got (taken out and re-rendered by replace, then reimaged), and when the cluster-wide
// configuration was moved. What the cluster reports stays the authority on versions; this file only holds what
// the cluster cannot tell (a node that is out of the cluster while its machine is reimaged). Not secret;
// written atomically and durably, as the state's other records.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../fsutil.js';
import { parse } from '../yaml-input.js';
import { toYaml } from '../yaml.js';
import { StateError } from './state.js';

export interface InFlightBatch {
  role: 'control-plane' | 'worker';
  nodes: string[];
  /** replacing: replace steps under way; replaced: out of the cluster and re-rendered; reimage-started: the hook ran (or the operator was told). */
  stage: 'replacing' | 'replaced' | 'reimage-started';
  /** RFC 3339, when the batch was taken out (a Node of that name created later is the reimaged machine). */
  since: string;
  /** Control-plane nodes' old etcd member IDs (decimal), removed once the reimage started. */
  etcdMembers?: Record<string, string>;
}

export interface UpgradeProgress {
  target: string;
  /** RFC 3339. */
  startedAt: string;
  snapshot?: { file: string; takenAt: string };
  /** Nodes reimaged at the target and seen back Ready, in order. */
  upgraded: string[];
  inFlight?: InFlightBatch;
  /** RFC 3339, when kubeadm-config, kubelet-config and the add-ons were moved to the target. */
  clusterConfigAt?: string;
  finishedAt?: string;
}

export const UPGRADE_PROGRESS_FILE = 'upgrade.yaml';

export function readUpgradeProgress(stateDir: string): UpgradeProgress | undefined {
  const path = join(stateDir, UPGRADE_PROGRESS_FILE);
  if (!existsSync(path)) return undefined;
  const p = parse(readFileSync(path, 'utf8')) as Partial<UpgradeProgress> | null;
  const bad = (field: string) => new StateError(`${path}: ${field}; fix the file, or remove it to start the upgrade over (the cluster's own versions decide what is left to do)`);
  if (typeof p?.target !== 'string' || !/^v\d+\.\d+\.\d+/.test(p.target)) throw bad('target must be a version such as v1.34.0');
  if (Number.isNaN(Date.parse(String(p.startedAt)))) throw bad('startedAt must be an RFC 3339 time');
  if (!Array.isArray(p.upgraded ?? []) || !(p.upgraded ?? []).every((n) => typeof n === 'string')) throw bad('upgraded must be a list of node names');
  const f = p.inFlight;
  if (f !== undefined && (!['control-plane', 'worker'].includes(f.role) || !Array.isArray(f.nodes) || !['replacing', 'replaced', 'reimage-started'].includes(f.stage))) {
    throw bad('inFlight needs role (control-plane|worker), nodes and stage (replacing|replaced|reimage-started)');
  }
  return { ...p, upgraded: p.upgraded ?? [] } as UpgradeProgress;
}

export function writeUpgradeProgress(stateDir: string, progress: UpgradeProgress): void {
  writeFileAtomic(join(stateDir, UPGRADE_PROGRESS_FILE), toYaml(progress), { mode: 0o644, durable: true });
}
