// NoCloud meta-data: instance-id and local-hostname (cloud-init docs, datasource NoCloud).
// The instance-id changes exactly when the node is reimaged (generation bump), which is what makes
// cloud-init run again on a machine that kept /var/lib/cloud. It also carries a short fingerprint of the
// cluster CA so a node of a rebuilt cluster with the same names is a new instance too.
import type { NodeSpec } from '../src/inventory/types.js';
import { toYaml } from '../src/yaml.js';

export function instanceId(node: Pick<NodeSpec, 'name'>, generation: number, caCertHash: string): string {
  return `${node.name}-g${generation}-${caCertHash.replace(/^sha256:/, '').slice(0, 8)}`;
}

export function renderMetaData(node: NodeSpec, generation: number, caCertHash: string): string {
  return toYaml({ 'instance-id': instanceId(node, generation, caCertHash), 'local-hostname': node.name });
}
