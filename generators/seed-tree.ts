// The HTTP seed tree: the layout of DIR/nodes/ that a NoCloud network seed (`ds=nocloud;s=<url>/`) and
// `kgen serve` / nginx read, and the aliases that let a machine find its seed by MAC or SMBIOS UUID:
//
//   nodes/<name>/{user-data,meta-data,network-config,vendor-data}     written by `kgen render`
//   nodes/by-mac/<mac-hyphen>/<same files>                            52-54-00-12-34-56 (iPXE ${mac:hexhyp})
//   nodes/by-uuid/<uuid>/<same files>                                  lower case (iPXE ${uuid})
//
// Aliases are regular files, not symlinks, so they survive `cp -r`, `rsync -a`, `aws s3 sync`, object
// stores and servers that refuse symlinks (nginx `disable_symlinks`, `kgen serve`) unchanged. This module
// lists them with their bytes; `kgen render` writes them as hard links to nodes/<name>/'s files (an embedded
// user-data is ~260 KB), and rewrites them together, so they cannot drift apart.
//
// vendor-data: cloud-init's http seed reader fetches meta-data, user-data and vendor-data with 10
// retries a second apart each (cloudinit/util.py read_seeded, retries=10), so a missing vendor-data
// costs every node about ten seconds of boot; an empty file answers at once. Note that cloud-init 22.4
// does not fetch network-config over http at all: a network-seeded node configures its network by DHCP
// (or kernel `ip=` arguments) and the file is there for newer cloud-init and for the seed ISO.
// Upstream: cloudinit/sources/DataSourceNoCloud.py (which files a seed holds).
import { BY_MAC, BY_UUID } from '../src/inventory/pxe-rules.js';

/** The files cloud-init's NoCloud datasource reads from a seed, in the order it names them. */
export const NOCLOUD_SEED_FILES = ['user-data', 'meta-data', 'network-config', 'vendor-data'] as const;
export type NoCloudSeedFile = (typeof NOCLOUD_SEED_FILES)[number];

/** Alias directory names under nodes/ (their rule, no node named like them, is the inventory's). */
export { BY_MAC, BY_UUID };

export interface SeedNode {
  name: string;
  /** Lower-case colon form, 52:54:00:12:34:56. */
  mac?: string;
  /** Lower case, 8-4-4-4-12 hex. */
  uuid?: string;
  /** The node's seed files as rendered into nodes/<name>/ (others, such as node.yaml, are ignored). */
  files: { name: string; data: Buffer }[];
}

/** One file to write, path relative to the render output directory, `/`-separated. */
export interface SeedTreeFile {
  path: string;
  data: Buffer;
}

/**
 * The files the seed tree needs beyond what render wrote into nodes/<name>/: an empty vendor-data where
 * there is none, and a copy of every seed file under by-mac/ and by-uuid/ for nodes that declare those.
 */
export function seedTreeFiles(nodes: SeedNode[]): SeedTreeFile[] {
  const out: SeedTreeFile[] = [];
  const owners = new Map<string, string>();
  for (const node of nodes) {
    if (node.name === BY_MAC || node.name === BY_UUID) {
      throw new Error(`node name ${JSON.stringify(node.name)} is reserved for the seed tree's alias directory nodes/${node.name}/; rename the node in nodes.yaml`);
    }
    const seed = node.files.filter((f) => (NOCLOUD_SEED_FILES as readonly string[]).includes(f.name));
    for (const required of ['user-data', 'meta-data']) {
      if (!seed.some((f) => f.name === required)) {
        throw new Error(`node ${node.name} has no ${required}; cloud-init's NoCloud datasource requires it (render the node's seed files before the seed tree)`);
      }
    }
    if (!seed.some((f) => f.name === 'vendor-data')) {
      const empty = { name: 'vendor-data', data: Buffer.alloc(0) };
      seed.push(empty);
      out.push({ path: `nodes/${node.name}/vendor-data`, data: empty.data });
    }
    const aliases = [
      ...(node.mac !== undefined ? [`nodes/${BY_MAC}/${macDirName(node.mac)}`] : []),
      ...(node.uuid !== undefined ? [`nodes/${BY_UUID}/${uuidDirName(node.uuid)}`] : []),
    ];
    for (const dir of aliases) {
      const other = owners.get(dir);
      if (other !== undefined) {
        throw new Error(`nodes ${other} and ${node.name} both map to ${dir}/; a MAC or UUID belongs to one node, fix nodes.yaml`);
      }
      owners.set(dir, node.name);
      for (const f of sortedSeed(seed)) out.push({ path: `${dir}/${f.name}`, data: f.data });
    }
  }
  return out;
}

/** by-mac directory name: the MAC as iPXE's ${mac:hexhyp} prints it (lower case, hyphens). */
export function macDirName(mac: string): string {
  if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(mac)) {
    throw new Error(`MAC ${JSON.stringify(mac)} is not in the expected form: six lower-case hex pairs separated by ':' (52:54:00:12:34:56)`);
  }
  return mac.replaceAll(':', '-');
}

/** by-uuid directory name: the SMBIOS UUID, lower case, as iPXE's ${uuid} prints it. */
export function uuidDirName(uuid: string): string {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(uuid)) {
    throw new Error(`UUID ${JSON.stringify(uuid)} is not in the expected form: lower-case 8-4-4-4-12 hex digits`);
  }
  return uuid;
}

function sortedSeed(files: { name: string; data: Buffer }[]): { name: string; data: Buffer }[] {
  return [...files].sort((a, b) => NOCLOUD_SEED_FILES.indexOf(a.name as NoCloudSeedFile) - NOCLOUD_SEED_FILES.indexOf(b.name as NoCloudSeedFile));
}
