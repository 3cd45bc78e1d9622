// The one place that decides what `kgen serve` answers to a request: method, path and client address in,
// an open regular file or a refusal out. Rules, in order:
//   - GET and HEAD only (405 otherwise).
//   - The path is decoded once; a segment that is empty, `.`/`..`, a dot file (`.kgen`, `.user-data.x.tmp`),
//     or holds `/`, `\`, NUL or a control character is refused (404): no traversal by any encoding.
//   - Only these shapes exist, the first three public (nothing secret in them):
//       pxe/**          the iPXE scripts render writes;
//       images/**       kernel and initrd the operator puts there (pxe.imageBaseURL's default, <seedBaseURL>/images);
//       boot/<file>     the boot program render writes: kgen-boot.mjs, kgen-boot-linux-<arch>, kgen-boot.sha256
//                       (boot.url for delivery url);
//     and a node's seed directory nodes/<name>/<file>, nodes/by-mac/<mac>/<file>, nodes/by-uuid/<uuid>/<file>.
//   - Links are never followed: every directory on the way is checked with lstat, the file is opened with
//     O_NOFOLLOW and must be the same regular file that was checked. So a symlink in a node's directory
//     to another node's user-data, or out of the tree, is not served (404).
//   - Who may read: meta-data and the public trees are public; every other seed file only to the address
//     the node declares (nodes.json). The address is the TCP peer's; headers such as X-Forwarded-For,
//     X-Real-IP or Forwarded are never consulted, so a client cannot claim to be a node.
import { closeSync, constants, fstatSync, lstatSync, openSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { join } from 'node:path';
import { BY_MAC, BY_UUID, macDirName, uuidDirName } from '../../generators/seed-tree.js';
import { BOOT_DIR } from '../../generators/boot-bundle.js';

/** The trees anyone may read, and the shape of their paths. */
type PublicTree = 'pxe' | 'images' | 'boot';

/** The directory kernel and initrd go in: the last segment of pxe.imageBaseURL's default (src/inventory/derive.ts). */
export const IMAGES_DIR = 'images';

/** The one seed file anyone may fetch. */
const PUBLIC_NODE_FILE = 'meta-data';

/** One node as render records it in DIR/nodes.json. */
export interface NodeEntry {
  name: string;
  address: string;
  mac?: string;
  uuid?: string;
}

export interface SeedRequest {
  method: string;
  /** The request target as received (path and query). */
  url: string;
  /** The TCP peer address. */
  client: string;
}

export interface RouteOptions {
  /** The render output directory, a real path (no symlinks in it). */
  root: string;
  /** Serve every node file to every client. */
  allowAnyClient: boolean;
  /** The nodes of DIR/nodes.json, read when a node's file is asked for. */
  nodes(): Promise<NodeEntry[]>;
}

/** An open regular file to answer with; the caller closes `fd` (or streams it, which closes it). */
export interface Served {
  status: 200;
  fd: number;
  size: number;
  tree: PublicTree | 'nodes';
  /** For the log: "(node cp-1 file user-data)". */
  detail: string;
}

export interface Refused {
  status: 403 | 404 | 405;
  detail: string;
}

export async function route(req: SeedRequest, opts: RouteOptions): Promise<Served | Refused> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return { status: 405, detail: '' };
  const segments = pathSegments(req.url.split('?')[0]!);
  const shape = segments && shapeOf(segments);
  if (!segments || !shape) return { status: 404, detail: '' };

  // Existence first (node names, MACs and UUIDs are not secret), then who may read it.
  const file = openRegular(opts.root, segments);
  if (!file) return { status: 404, detail: '' };
  if (shape !== 'nodes') return { status: 200, ...file, tree: shape, detail: '' };

  const name = segments[segments.length - 1]!;
  const owner = nodeOfPath(segments, await opts.nodes().catch((err: unknown) => closeAndThrow(file.fd, err)));
  if (name !== PUBLIC_NODE_FILE && !opts.allowAnyClient) {
    const refusal = !owner
      ? `(file ${name} belongs to no node in nodes.json)`
      : canonicalIp(owner.address) !== canonicalIp(req.client)
        ? `(node ${owner.name} file ${name}: only ${owner.address} may fetch it)`
        : undefined;
    if (refusal) {
      closeSync(file.fd);
      return { status: 403, detail: refusal };
    }
  }
  return { status: 200, ...file, tree: 'nodes', detail: `(node ${owner?.name ?? '?'} file ${name})` };
}

function closeAndThrow(fd: number, err: unknown): never {
  closeSync(fd);
  throw err;
}

/** Decoded path segments, or undefined for anything that is not a plain path of visible names. */
function pathSegments(rawPath: string): string[] | undefined {
  if (!rawPath.startsWith('/')) return undefined;
  let segments: string[];
  try {
    segments = rawPath.split('/').slice(1).map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
  // eslint-disable-next-line no-control-regex
  const bad = (s: string) => s === '' || s.startsWith('.') || /[\\/\x00-\x1f\x7f]/.test(s);
  return segments.some(bad) ? undefined : segments;
}

function shapeOf(segments: string[]): PublicTree | 'nodes' | undefined {
  const [tree, second] = segments;
  if ((tree === 'pxe' || tree === IMAGES_DIR) && segments.length >= 2) return tree;
  if (tree === BOOT_DIR && segments.length === 2) return BOOT_DIR;
  if (tree !== 'nodes') return undefined;
  if (segments.length === 3 && second !== BY_MAC && second !== BY_UUID) return 'nodes';
  if (segments.length === 4 && (second === BY_MAC || second === BY_UUID)) return 'nodes';
  return undefined;
}

/**
 * Opens root/segments without following any link: each directory is lstat'ed, the file is opened with
 * O_NOFOLLOW (a FIFO does not block: O_NONBLOCK) and must be the regular file that lstat saw.
 */
function openRegular(root: string, segments: string[]): { fd: number; size: number } | undefined {
  let path = root;
  try {
    for (const dir of segments.slice(0, -1)) {
      path = join(path, dir);
      if (!lstatSync(path).isDirectory()) return undefined;
    }
    path = join(path, segments[segments.length - 1]!);
    const seen = lstatSync(path);
    if (!seen.isFile()) return undefined;
    const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const st = fstatSync(fd);
    if (!st.isFile() || st.ino !== seen.ino || st.dev !== seen.dev) {
      closeSync(fd);
      return undefined;
    }
    return { fd, size: st.size };
  } catch {
    return undefined;
  }
}

function nodeOfPath(segments: string[], nodes: NodeEntry[]): NodeEntry | undefined {
  if (segments.length === 3) return nodes.find((n) => n.name === segments[1]);
  if (segments[1] === BY_MAC) return nodes.find((n) => n.mac !== undefined && macDirName(n.mac) === segments[2]);
  return nodes.find((n) => n.uuid !== undefined && uuidDirName(n.uuid) === segments[2]);
}

/** One form per address: IPv4 dotted, IPv4-mapped IPv6 (::ffff:10.0.0.11) as IPv4, IPv6 compressed lower case. */
export function canonicalIp(address: string): string {
  if (isIPv4(address)) return address;
  if (!isIPv6(address)) return address;
  const host = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  if (!mapped) return host;
  const [hi, lo] = [parseInt(mapped[1]!, 16), parseInt(mapped[2]!, 16)];
  return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join('.');
}
