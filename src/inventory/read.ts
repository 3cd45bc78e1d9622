// Reading the operator's input files (nodes.yaml and every file it names) safely: only regular files, and
// never more than a limit, so a FIFO, /dev/zero, a directory or a 50 MB file named by mistake fails at once
// with a message naming the file instead of hanging or filling memory. The file is opened non-blocking
// (opening a FIFO with no writer would otherwise wait forever) and checked with fstat on the open
// descriptor, so what is checked is what is read.
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';

/** Size limits, chosen so a 5000-node fleet stays far below them (docs/inventory.md "Limits"). */
export const LIMITS = {
  /**
   * nodes.yaml: a 5000-node inventory with a MAC, a network section and a label per node is about 1.1 MB. YAML
   * parsing costs about a second per MB here, so the limit is what keeps a runaway file from taking minutes.
   */
  inventoryBytes: 4 * 1024 * 1024,
  /** Nodes in one inventory. */
  nodes: 10_000,
  /** The CNI manifest (the largest common ones, operator CRD bundles, are about 2 MB). */
  manifestBytes: 8 * 1024 * 1024,
  /** One PEM file of the external etcd client (a certificate chain or a key: a few KB). */
  pemBytes: 1024 * 1024,
} as const;

/** A file that cannot be used as input; `message` says why in the operator's terms and names no content. */
export class InputFileError extends Error {
  constructor(readonly path: string, readonly reason: string) {
    super(`${path}: ${reason}`);
    this.name = 'InputFileError';
  }
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** InputFileError.reason for a missing file. */
export const NOT_FOUND = 'the file does not exist';

function reasonFor(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ENOENT': return NOT_FOUND;
    case 'EACCES':
    case 'EPERM': return 'permission denied';
    case 'EISDIR': return 'it is a directory, not a file';
    case 'ENOTDIR': return 'a part of the path is not a directory';
    case 'ELOOP': return 'too many levels of symbolic links';
    default: return err.code ? `cannot read it (${err.code})` : err.message;
  }
}

/** Reads a regular file of at most `maxBytes` as UTF-8; throws InputFileError otherwise. */
export function readRegularFile(path: string, maxBytes: number): string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw new InputFileError(path, reasonFor(err as NodeJS.ErrnoException));
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new InputFileError(path, `it is ${kindOf(st)}; expected a regular file`);
    if (st.size > maxBytes) throw new InputFileError(path, `it is ${st.size} bytes; the limit is ${maxBytes} bytes`);
    // Read one byte past the limit: a file that grows while it is read is still caught.
    const buf = Buffer.alloc(Math.min(st.size, maxBytes) + 1);
    let got = 0;
    for (let n; got < buf.length && (n = readSync(fd, buf, got, buf.length - got, null)) > 0; ) got += n;
    if (got > maxBytes) throw new InputFileError(path, `it is larger than the limit of ${maxBytes} bytes`);
    return buf.subarray(0, got).toString('utf8');
  } catch (err) {
    if (err instanceof InputFileError) throw err;
    throw new InputFileError(path, reasonFor(err as NodeJS.ErrnoException));
  } finally {
    closeSync(fd);
  }
}
