// Files nodes.yaml points at, on the operator's machine: the external etcd client certificate files and the
// CNI manifest. Relative paths resolve against the directory of nodes.yaml (as kubectl -k resolves against
// the kustomization). External etcd paths are replaced by absolute ones; the CNI manifest is read into the
// model so rendering never touches the file again.
import { isAbsolute, resolve } from 'node:path';
import { parseAllDocuments } from '../yaml-input.js';
import type { Draft, Report } from './draft.js';

export interface FileAccess {
  readFile(path: string): string;
  exists(path: string): boolean;
}

export function resolveFiles(d: Draft, dir: string, fs: FileAccess, report: Report): void {
  const where = (p: string) => (isAbsolute(p) ? p : resolve(dir, p));
  const external = d.cluster?.etcd?.external;
  if (external) {
    for (const field of ['caFile', 'certFile', 'keyFile'] as const) {
      const p = external[field];
      if (p === undefined) continue;
      const abs = where(p);
      if (!fs.exists(abs)) {
        report('error', ['cluster', 'etcd', 'external', field], 'value', `file ${JSON.stringify(p)} not found (looked for ${abs}); external etcd needs its client certificate files`);
      }
      external[field] = abs;
    }
  }
  const cni = d.cluster?.addons?.cni;
  if (cni?.manifest !== undefined) {
    const path = ['cluster', 'addons', 'cni', 'manifest'];
    const written = cni.manifest;
    const abs = where(written);
    if (!fs.exists(abs)) {
      report('error', path, 'value', `file ${JSON.stringify(written)} not found (looked for ${abs}); give the path of the CNI manifest, relative to nodes.yaml`);
      cni.manifest = undefined;
      return;
    }
    let text: string;
    try {
      text = fs.readFile(abs);
    } catch (err) {
      report('error', path, 'value', `cannot read ${abs}: ${(err as Error).message}`);
      cni.manifest = undefined;
      return;
    }
    const broken = parseAllDocuments(text).flatMap((doc) => ('errors' in doc ? doc.errors : []))[0];
    if (broken) report('error', path, 'value', `${abs} is not valid YAML: ${broken.message.split('\n')[0]}`);
    cni.manifest = text;
    cni.source = abs;
  }
}
