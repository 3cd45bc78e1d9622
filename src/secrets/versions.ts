// The Kubernetes versions a render gave the fleet, kept in the state as versions.yaml: per node, the version it
// was last rendered with, and the cluster's version, the oldest control-plane node's (what kube-apiserver
// reports once those machines run; kubeadm's ClusterVersion). The next render keeps a node that is not reimaged
// at its version and checks a new `kubernetesVersion` against these (src/upgrade/node-version.ts). A state
// written before this file existed has none: its nodes count as new and take the inventory's version at their
// next render. Not secret; rewritten atomically, as part of the state transaction (src/secrets/state.ts).
import { parse } from '../yaml-input.js';
import { toYaml } from '../yaml.js';
import { isWellFormedVersion } from '../versions.js';

export interface RecordedVersions {
  /** The oldest control-plane node's version. */
  clusterVersion: string;
  /** Node name → the version it was last rendered with. */
  nodes: Record<string, string>;
}

export const VERSIONS_FILE = 'versions.yaml';

/** The versions in the file's text; each problem names the field. */
export function parseVersions(text: string, problems: string[]): RecordedVersions | undefined {
  let doc: Partial<RecordedVersions> | null;
  try {
    doc = parse(text) as Partial<RecordedVersions> | null;
  } catch {
    problems.push(`${VERSIONS_FILE} is not valid YAML`);
    return undefined;
  }
  const restore = 'restore the file from your backup, or remove it to record every node at the inventory\'s version';
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc) || typeof doc.nodes !== 'object' || doc.nodes === null || Array.isArray(doc.nodes)) {
    problems.push(`${VERSIONS_FILE}: expected clusterVersion and a mapping nodes; ${restore}`);
    return undefined;
  }
  const before = problems.length;
  if (!isWellFormedVersion(String(doc.clusterVersion))) problems.push(`${VERSIONS_FILE}: clusterVersion must be a version like v1.33.2; ${restore}`);
  for (const [name, version] of Object.entries(doc.nodes)) {
    if (!isWellFormedVersion(String(version))) problems.push(`${VERSIONS_FILE}: nodes.${name} must be a version like v1.33.2; ${restore}`);
  }
  return problems.length === before ? { clusterVersion: doc.clusterVersion!, nodes: doc.nodes } : undefined;
}

export function versionsYaml(versions: RecordedVersions): string {
  const nodes = Object.fromEntries(Object.entries(versions.nodes).sort(([a], [b]) => a.localeCompare(b)));
  return toYaml({ clusterVersion: versions.clusterVersion, nodes });
}
