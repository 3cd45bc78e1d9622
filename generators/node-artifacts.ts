// Everything rendered for one node, as a list of files relative to the output directory:
//   nodes/<name>/node.yaml        the NodeBootConfig (for inspection; the same bytes user-data writes)
//   nodes/<name>/user-data        #cloud-config
//   nodes/<name>/meta-data        instance-id, local-hostname
//   nodes/<name>/network-config   when the node has a network section
//   nodes/<name>/seed.iso         NoCloud seed (volume cidata) holding the three files above
//   nodes/<name>/vendor-data, nodes/by-mac/<mac>/*, nodes/by-uuid/<uuid>/*   the HTTP seed tree (seed-tree.ts)
// Files that hold a token or key (node.yaml, user-data, seed.iso) are 0600.
import type { ClusterSpec, NodeSpec } from '../src/inventory/types.js';
import type { NodeBootConfig } from '../src/contract/config.js';
import { toYaml } from '../src/yaml.js';
import type { BootBundle, BootFile } from './boot-bundle.js';
import { renderUserData, userDataBytes, type UserData } from './cloud-config.js';
import { renderMetaData } from './meta-data.js';
import { renderNetworkConfig } from '../src/inventory/network-config.js';
import { buildSeedIso } from './iso9660.js';
import { seedTreeFiles } from './seed-tree.js';

export interface OutFile {
  /** Relative to the output directory, `/`-separated. */
  path: string;
  data: string | Buffer;
  mode: number;
  /** Write it as a hard link to this earlier file (same bytes, no extra space). */
  linkTo?: string;
}

export interface NodeArtifacts {
  /** The user-data in pieces, for sizing without re-joining it. */
  userData: UserData;
  /** Produces the files (joins user-data, builds the ISO): call when writing, one node at a time. */
  files(): OutFile[];
}

/** The boot program as this node gets it: the module (delivery embed), the executable for its arch (delivery url). */
export interface NodeProgram {
  module: BootBundle;
  executable?: BootFile;
}

export function nodeArtifacts(
  node: NodeSpec,
  config: NodeBootConfig,
  cluster: Pick<ClusterSpec, 'boot' | 'certificateRenewal'>,
  program: NodeProgram,
  caCertHash: string,
): NodeArtifacts {
  const configYaml = toYaml(config);
  // Only control-plane nodes hold the CA keys the renewal signs with.
  const renewal = node.role === 'control-plane' && cluster.certificateRenewal.enabled ? cluster.certificateRenewal : undefined;
  const userData = renderUserData(configYaml, cluster.boot, program.module, renewal, program.executable);
  return {
    userData,
    files() {
      const dir = `nodes/${node.name}`;
      const seed = [
        { name: 'user-data', data: userDataBytes(userData) },
        { name: 'meta-data', data: Buffer.from(renderMetaData(node, config.node.generation, caCertHash)) },
      ];
      const network = renderNetworkConfig(node);
      if (network !== undefined) seed.push({ name: 'network-config', data: Buffer.from(network) });
      const modeFor = (path: string) => (path.endsWith('/user-data') ? 0o600 : 0o644);
      return [
        { path: `${dir}/node.yaml`, data: configYaml, mode: 0o600 },
        ...seed.map((f) => ({ path: `${dir}/${f.name}`, data: f.data, mode: modeFor(`/${f.name}`) })),
        { path: `${dir}/seed.iso`, data: buildSeedIso(seed), mode: 0o600 },
        // The by-mac/by-uuid aliases hold the same bytes as nodes/<name>/: hard links, not copies.
        ...seedTreeFiles([{ name: node.name, mac: node.mac, uuid: node.uuid, files: seed }]).map((f) => {
          const own = `${dir}/${f.path.slice(f.path.lastIndexOf('/') + 1)}`;
          return { ...f, mode: modeFor(f.path), ...(f.path === own ? {} : { linkTo: own }) };
        }),
      ];
    },
  };
}
