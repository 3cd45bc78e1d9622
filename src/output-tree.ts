// The render output directory as kgen owns it: what a render writes, and the record of it. Writing is two
// steps, through the operator's door (src/operator-host.ts): write() and link() stage each changed file as
// a hidden temporary file beside its place (dot files are never served), commit() renames them all into
// place, discard() removes them. So a render that fails or is interrupted before its commit point leaves
// every visible file as it was. A file whose bytes and mode are already on disk is left alone (renders are
// byte-stable, so unchanged files keep their modification times). A render owns exactly the files it recorded as written (nodes.json `written`): the
// next render removes those it no longer writes (the seed of a node that left nodes.yaml holds secrets a
// static web server would go on serving), and never anything else below --out, whoever put it there.
import { join, dirname } from 'node:path';
import { tmpPath } from './fsutil.js';
import type { OperatorFs, WriteOptions } from './operator-host.js';

export class OutputTree {
  private readonly made = new Set<string>();
  private readonly written = new Set<string>();
  /** Staged files: final path -> temporary path. */
  private readonly staged = new Map<string, string>();

  constructor(
    private readonly root: string,
    private readonly fs: OperatorFs,
  ) {}

  /** `rel` is `/`-separated, relative to the root. `unrecorded`: not the next render's to prune. */
  write(rel: string, data: string | Uint8Array, opts: WriteOptions & { unrecorded?: boolean }): void {
    const path = this.prepare(rel);
    if (!opts.unrecorded) this.written.add(rel);
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    if (this.holds(path, bytes, opts.mode)) return;
    const tmp = this.stage(path);
    this.fs.writeAtomic(tmp, bytes, { mode: opts.mode, durable: opts.durable });
  }

  /**
   * Makes `rel` a hard link to `targetRel` (written before): the same regular file under a second name,
   * costing no space, and replaced atomically.
   */
  link(rel: string, targetRel: string): void {
    const path = this.prepare(rel);
    this.written.add(rel);
    const final = join(this.root, targetRel);
    // A target written by this render is still at its temporary name: link to that (the same inode).
    const target = this.staged.get(final) ?? final;
    const want = this.fs.lstat(target);
    const have = this.fs.lstat(path);
    if (want && have && have.ino === want.ino && have.dev === want.dev) return;
    this.fs.link(target, this.stage(path));
  }

  /** Renames every staged file into place. */
  commit(): void {
    for (const [path, tmp] of this.staged) {
      this.fs.rename(tmp, path);
      this.staged.delete(path);
    }
  }

  /** Removes the files still staged (none after a commit); never throws (it runs while another error is handled). */
  discard(): void {
    for (const tmp of this.staged.values()) {
      try {
        this.fs.remove(tmp);
      } catch {
        // a hidden leftover; never served, overwritten by nothing
      }
    }
    this.staged.clear();
  }

  /** What this render wrote so far, sorted: the record the next render prunes against. */
  record(): string[] {
    return [...this.written].sort();
  }

  /**
   * Removes the files an earlier render recorded (`previous`) that this one did not write, then the
   * directories that leaves empty (never the root). A recorded path that is no longer a regular file
   * (someone put a directory or a link there) is left alone. Returns the removed paths, sorted.
   */
  prune(previous: readonly string[]): string[] {
    const removed: string[] = [];
    for (const rel of previous) {
      if (this.written.has(rel) || !isTreePath(rel)) continue;
      const path = join(this.root, rel);
      if (!this.fs.lstat(path)?.isFile()) continue;
      this.fs.remove(path);
      removed.push(rel);
      this.removeEmptyParents(rel);
    }
    return removed.sort();
  }

  private removeEmptyParents(rel: string): void {
    for (let dir = dirname(rel); dir !== '.'; dir = dirname(dir)) {
      const path = join(this.root, dir);
      if (!this.fs.lstat(path)?.isDirectory() || this.fs.readdir(path).length > 0) return;
      this.fs.rmdir(path);
      this.made.delete(path);
    }
  }

  private stage(path: string): string {
    const tmp = this.staged.get(path) ?? tmpPath(path);
    this.staged.set(path, tmp);
    return tmp;
  }

  /** True when `path` is a regular file with exactly these bytes and this mode. */
  private holds(path: string, data: Uint8Array, mode: number): boolean {
    const st = this.fs.lstat(path);
    return st !== undefined && st.isFile() && st.size === data.length && (st.mode & 0o777) === mode && this.fs.readFile(path).equals(data);
  }

  private prepare(rel: string): string {
    const path = join(this.root, rel);
    const dir = dirname(path);
    if (!this.made.has(dir)) {
      this.fs.mkdir(dir);
      this.made.add(dir);
    }
    return path;
  }
}

/** A relative `/`-separated path that stays below the root: a record read from disk is not trusted further. */
export function isTreePath(rel: string): boolean {
  return typeof rel === 'string' && rel !== '' && rel.split('/').every((s) => s !== '' && s !== '.' && s !== '..' && !s.includes('\0'));
}
