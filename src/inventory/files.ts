// Files nodes.yaml points at, on the operator's machine: the external etcd client certificate files and the
// CNI manifest. Relative paths resolve against the directory of nodes.yaml (as kubectl -k resolves against
// the kustomization). Each is read here, through the same size-limited regular-file door as nodes.yaml, so
// a directory, FIFO, device or missing file is refused with its field before render writes anything.
// External etcd paths are replaced by absolute ones; the CNI manifest is read into the model so rendering
// never touches the file again.
import { isAbsolute, resolve } from 'node:path';
import { parseAllDocuments } from '../yaml-input.js';
import type { Draft, Report } from './draft.js';
import { PATH_CHARS, excerpt, quote } from './excerpt.js';
import { InputFileError, LIMITS, NOT_FOUND } from './read.js';

export interface FileAccess {
  /** The file's text; throws InputFileError when it is not a regular file of at most `maxBytes`. */
  readFile(path: string, maxBytes: number): string;
}

/** Reads `abs` or reports why not at `path` (`missing` says what the file should be); undefined when it could not be read. */
function readReported(fs: FileAccess, abs: string, written: string, maxBytes: number, path: string[], report: Report, missing: string): string | undefined {
  try {
    return fs.readFile(abs, maxBytes);
  } catch (err) {
    const notFound = (err as NodeJS.ErrnoException).code === 'ENOENT' || (err instanceof InputFileError && err.reason === NOT_FOUND);
    const message = notFound
      ? `file ${quote(written)} not found (looked for ${excerpt(abs, PATH_CHARS)}); ${missing}`
      : `cannot use ${quote(written)} (${excerpt(abs, PATH_CHARS)}): ${err instanceof InputFileError ? err.reason : (err as Error).message}`;
    report('error', path, 'value', message);
    return undefined;
  }
}

export function resolveFiles(d: Draft, dir: string, fs: FileAccess, report: Report): void {
  const where = (p: string) => (isAbsolute(p) ? p : resolve(dir, p));
  const external = d.cluster?.etcd?.external;
  if (external) {
    for (const field of ['caFile', 'certFile', 'keyFile'] as const) {
      const written = external[field];
      if (written === undefined) continue;
      const abs = where(written);
      const path = ['cluster', 'etcd', 'external', field];
      const text = readReported(fs, abs, written, LIMITS.pemBytes, path, report, 'external etcd needs its client certificate files');
      if (text !== undefined && !text.includes('-----BEGIN ')) report('error', path, 'value', `${excerpt(abs, PATH_CHARS)} holds no PEM block; expected a PEM certificate or private key`);
      external[field] = abs;
    }
  }
  const cni = d.cluster?.addons?.cni;
  if (cni?.manifest !== undefined) {
    const path = ['cluster', 'addons', 'cni', 'manifest'];
    const written = cni.manifest;
    const abs = where(written);
    const text = readReported(fs, abs, written, LIMITS.manifestBytes, path, report, 'give the path of the CNI manifest, relative to nodes.yaml');
    if (text === undefined) {
      cni.manifest = undefined;
      return;
    }
    const broken = parseAllDocuments(text).flatMap((doc) => ('errors' in doc ? doc.errors : []))[0];
    if (broken) report('error', path, 'value', `${excerpt(abs, PATH_CHARS)} is not valid YAML: ${broken.message.split('\n')[0]}`);
    cni.manifest = text;
    cni.source = abs;
  }
}
