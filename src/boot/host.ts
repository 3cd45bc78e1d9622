// The one door for kgen-boot's side effects (model: zx src/core.ts options; Talos' injected clock):
// a Host rooted at a directory. Phases name node paths as the node sees them ("/etc/kubernetes/pki/ca.crt")
// and the Host maps them under its root, so tests run many "nodes" on one machine. Files are written
// atomically (src/fsutil.ts: temp file, fsync, rename) and anything holding a PEM private key is forced to
// mode 0600.
// Dry-run is a Host too (createDryRunHost): it records writes, removes, commands and service actions and
// prints them instead of performing them (each file with its content, secrets redacted: dry-run-files.ts);
// phases branch on it only where a real run waits on a running kubelet or etcd (a joiner's TLS bootstrap
// and etcd learner flow), and print those waits instead.
import { execFile } from 'node:child_process';
import { appendFileSync, constants as fsConstants, mkdirSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { lookup } from 'node:dns/promises';
import { createServer } from 'node:net';
import { dirname, isAbsolute, join, normalize, posix } from 'node:path';
import { realClock, realRandom, type Clock, type Random } from '../clock.js';
import { writeFileAtomic } from '../fsutil.js';
import { describeFileWrite } from './dry-run-files.js';

export { realClock, realRandom, type Clock, type Random };

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Starts, stops and inspects services (systemd units on a real node; the cluster harness plugs its own). */
export interface ServiceManager {
  restart(name: string): Promise<void>;
  stop(name: string): Promise<void>;
  /** Whether the unit is running ("active" or "activating", as kubeadm's initsystem ServiceIsActive). */
  isActive(name: string): Promise<boolean>;
}

export interface WriteOptions {
  /** File mode; default 0644, and always 0600 when the content holds a PEM private key. */
  mode?: number;
}

/** What a dry-run Host recorded instead of doing. */
export type RecordedAction =
  | { kind: 'write'; path: string; mode: number; bytes: number }
  | { kind: 'mkdir'; path: string }
  | { kind: 'remove'; path: string }
  | { kind: 'symlink'; path: string; target: string }
  | { kind: 'rename'; from: string; to: string }
  | { kind: 'exec'; cmd: string; args: string[] }
  | { kind: 'service'; action: 'restart' | 'stop'; name: string };

export interface Host {
  /** The directory node paths are resolved under ("/" on a real node). */
  readonly root: string;
  readonly dryRun: boolean;
  /** Maps an absolute node path to the real path under root; rejects paths escaping the root. */
  resolve(path: string): string;
  readFile(path: string): Promise<Buffer>;
  readText(path: string): Promise<string>;
  /** The file's content, or undefined when it does not exist. */
  readTextIfExists(path: string): Promise<string | undefined>;
  writeFile(path: string, data: string | Buffer, options?: WriteOptions): Promise<void>;
  /** Appends to a log-like file (creating it and its directory); never used for secrets. */
  appendFile(path: string, data: string): Promise<void>;
  exists(path: string): Promise<boolean>;
  mkdir(path: string, mode?: number): Promise<void>;
  remove(path: string): Promise<void>;
  symlink(target: string, path: string): Promise<void>;
  /**
   * Moves a file with rename(2): atomic, and only within one filesystem (EXDEV otherwise); an existing `to` is
   * replaced. The directory of `to` must exist.
   */
  rename(from: string, to: string): Promise<void>;
  /** Runs a program (not through a shell). A non-zero exit is returned, not thrown. */
  exec(cmd: string, args: string[]): Promise<ExecResult>;
  /** Runs a program that changes nothing (e.g. `kubelet --version`); a dry run runs it too, as kubeadm's preflight does. */
  query(cmd: string, args: string[]): Promise<ExecResult>;
  /** The absolute path of `cmd` on the host's PATH, or undefined. */
  which(cmd: string): Promise<string | undefined>;
  /** True when the process runs as uid 0. */
  isRoot(): boolean;
  /** True when nothing listens on `port` at the host's bind address. */
  isPortFree(port: number): Promise<boolean>;
  /** A sysctl value read from <root>/proc/sys (e.g. "net.ipv4.ip_forward" -> "1"), or undefined. */
  sysctl(name: string): Promise<string | undefined>;
  /** The entries of a directory, or undefined when it does not exist. */
  readDir(path: string): Promise<string[] | undefined>;
  /** The addresses `name` resolves to through the system resolver (Go's net.LookupHost); throws when it does not resolve. */
  lookupHost(name: string): Promise<string[]>;
  readonly services: ServiceManager;
  readonly clock: Clock;
  readonly random: Random;
  /** Dry-run hosts only: what would have happened, in order. */
  readonly recorded: readonly RecordedAction[];
}

export interface HostOptions {
  root?: string;
  /** Environment for exec and PATH lookup; default process.env. */
  env?: NodeJS.ProcessEnv;
  services?: ServiceManager;
  clock?: Clock;
  random?: Random;
  /** Address port probes bind to; default 0.0.0.0 (as kubeadm's preflight). Tests pass 127.0.0.1. */
  bindAddress?: string;
  /** uid of the process; default process.getuid(). */
  uid?: number;
  /** Name resolution; default the system resolver (dns.lookup: /etc/hosts, then DNS). */
  lookupHost?: (name: string) => Promise<string[]>;
}

const PRIVATE_KEY_PEM = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;

/** Default file mode for `data`: 0600 for anything holding a PEM private key, else `requested` or 0644. */
export function fileMode(data: string | Buffer, requested?: number): number {
  const text = typeof data === 'string' ? data : data.toString('latin1');
  if (PRIVATE_KEY_PEM.test(text)) return 0o600;
  return requested ?? 0o644;
}

export function resolveUnder(root: string, path: string): string {
  if (!isAbsolute(path)) {
    throw new Error(`node path "${path}" is relative; expected an absolute path such as /etc/kubernetes/pki/ca.crt`);
  }
  if (path.split('/').includes('..')) {
    throw new Error(`node path "${path}" escapes the root; expected a path without ".." segments`);
  }
  const real = normalize(join(root, posix.normalize(path)));
  return real.length > 1 && real.endsWith('/') ? real.slice(0, -1) : real;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') {
        reject(new Error(`cannot run ${cmd}: ${err.message}`, { cause: err }));
        return;
      }
      resolve({ code: err ? Number(err.code) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** systemd through systemctl (the unit names kubeadm uses: kubelet, containerd, ...). */
export function systemdServices(exec: (cmd: string, args: string[]) => Promise<ExecResult>): ServiceManager {
  const systemctl = async (args: string[]) => {
    const r = await exec('systemctl', args);
    if (r.code !== 0) {
      throw new Error(`systemctl ${args.join(' ')} exited ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
    }
  };
  return {
    restart: (name) => systemctl(['restart', name]),
    stop: (name) => systemctl(['stop', name]),
    // As kubeadm's initsystem ServiceIsActive: a crash-looping unit reports "activating" (exit 3) and counts.
    isActive: async (name) => ['active', 'activating'].includes((await exec('systemctl', ['is-active', name])).stdout.trim()),
  };
}

async function pathExists(real: string): Promise<boolean> {
  try {
    await fsp.lstat(real);
    return true;
  } catch {
    return false;
  }
}

function probePort(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A Host that really reads and writes under `root` (default "/"). */
export function createHost(options: HostOptions = {}): Host {
  const root = options.root ?? '/';
  const env = options.env ?? process.env;
  const exec = (cmd: string, args: string[]) => run(cmd, args, env);
  const resolve = (path: string) => resolveUnder(root, path);
  const host: Host = {
    root,
    dryRun: false,
    resolve,
    readFile: (path) => fsp.readFile(resolve(path)),
    readText: (path) => fsp.readFile(resolve(path), 'utf8'),
    async readTextIfExists(path) {
      try {
        return await fsp.readFile(resolve(path), 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    },
    // Synchronous on purpose (as appendFile): a write is a few small syscalls, and each awaited fs/promises
    // call is a thread-pool round trip; phases write dozens of files while key generation fills that pool.
    async writeFile(path, data, opts = {}) {
      writeFileAtomic(resolve(path), data, { mode: fileMode(data, opts.mode), durable: true });
    },
    async appendFile(path, data) {
      const real = resolve(path);
      mkdirSync(dirname(real), { recursive: true });
      appendFileSync(real, data, { mode: 0o640 });
    },
    exists: (path) => pathExists(resolve(path)),
    mkdir: async (path, mode) => {
      await fsp.mkdir(resolve(path), { recursive: true, mode: mode ?? 0o755 });
    },
    remove: (path) => fsp.rm(resolve(path), { recursive: true, force: true }),
    async symlink(target, path) {
      const real = resolve(path);
      await fsp.mkdir(dirname(real), { recursive: true });
      const current = await fsp.readlink(real).catch(() => undefined);
      if (current === target) return;
      await fsp.rm(real, { force: true });
      await fsp.symlink(target, real);
    },
    rename: (from, to) => fsp.rename(resolve(from), resolve(to)),
    exec,
    query: exec,
    async which(cmd) {
      for (const dir of (env.PATH ?? '').split(':').filter(Boolean)) {
        const candidate = join(dir, cmd);
        try {
          await fsp.access(candidate, fsConstants.X_OK);
          return candidate;
        } catch {
          // not in this directory
        }
      }
      return undefined;
    },
    isRoot: () => (options.uid ?? process.getuid?.() ?? -1) === 0,
    isPortFree: (port) => probePort(port, options.bindAddress ?? '0.0.0.0'),
    async sysctl(name) {
      const text = await host.readTextIfExists(`/proc/sys/${name.replaceAll('.', '/')}`);
      return text?.trim();
    },
    async readDir(path) {
      try {
        return await fsp.readdir(resolve(path));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    },
    lookupHost: options.lookupHost ?? (async (name) => (await lookup(name, { all: true })).map((a) => a.address)),
    services: options.services ?? systemdServices(exec),
    clock: options.clock ?? realClock,
    random: options.random ?? realRandom,
    recorded: [],
  };
  return host;
}

/**
 * A Host that reads through `base` but records every change instead of making it, and prints each one
 * through `print` (kubeadm's "[dryrun] Would ..." lines). Files written during the dry run are readable
 * afterwards, so later phases see what earlier ones would have produced.
 */
export function createDryRunHost(base: Host, print: (line: string) => void): Host {
  const recorded: RecordedAction[] = [];
  const written = new Map<string, Buffer>();
  const removed = new Set<string>();
  const record = (action: RecordedAction, line: string) => {
    recorded.push(action);
    print(`[dryrun] ${line}`);
  };
  const overlay = (path: string): Buffer | undefined | null => {
    const clean = posix.normalize(path);
    if (written.has(clean)) return written.get(clean);
    if ([...removed].some((r) => clean === r || clean.startsWith(`${r}/`))) return null;
    return undefined;
  };
  const missing = (path: string) => Object.assign(new Error(`ENOENT: no such file (dry run removed it): ${path}`), { code: 'ENOENT' });
  const host: Host = {
    ...base,
    dryRun: true,
    recorded,
    async readFile(path) {
      const o = overlay(path);
      if (o === null) throw missing(path);
      return o ?? base.readFile(path);
    },
    async readText(path) {
      return (await host.readFile(path)).toString('utf8');
    },
    async readTextIfExists(path) {
      const o = overlay(path);
      if (o === null) return undefined;
      return o ? o.toString('utf8') : base.readTextIfExists(path);
    },
    async writeFile(path, data, opts = {}) {
      base.resolve(path);
      const buf = Buffer.isBuffer(data) ? data : Buffer.from(data);
      const mode = fileMode(data, opts.mode);
      const clean = posix.normalize(path);
      written.set(clean, buf);
      removed.delete(clean);
      recorded.push({ kind: 'write', path: clean, mode, bytes: buf.length });
      for (const line of describeFileWrite(clean, buf)) print(line);
    },
    async appendFile(path, data) {
      const clean = posix.normalize(path);
      const before = overlay(clean) ?? (await base.readFile(clean).catch(() => Buffer.alloc(0)));
      written.set(clean, Buffer.concat([before, Buffer.from(data)]));
    },
    async exists(path) {
      const o = overlay(path);
      if (o === null) return false;
      return o !== undefined || base.exists(path);
    },
    async mkdir(path) {
      record({ kind: 'mkdir', path }, `Would create directory ${path}`);
    },
    async remove(path) {
      const clean = posix.normalize(path);
      for (const key of [...written.keys()]) if (key === clean || key.startsWith(`${clean}/`)) written.delete(key);
      removed.add(clean);
      record({ kind: 'remove', path: clean }, `Would remove ${clean}`);
    },
    async readDir(path) {
      // Names the dry run removed are gone; files it wrote are not listed (nothing reads a directory it wrote into).
      if (overlay(path) === null) return undefined;
      const clean = posix.normalize(path);
      return (await base.readDir(clean))?.filter((name) => overlay(`${clean}/${name}`) !== null);
    },
    async symlink(target, path) {
      record({ kind: 'symlink', path, target }, `Would link ${path} -> ${target}`);
    },
    async rename(from, to) {
      record({ kind: 'rename', from, to }, `Would move ${from} to ${to}`);
    },
    async exec(cmd, args) {
      record({ kind: 'exec', cmd, args }, `Would run ${[cmd, ...args].join(' ')}`);
      return { code: 0, stdout: '', stderr: '' };
    },
    services: {
      restart: async (name) => record({ kind: 'service', action: 'restart', name }, `Would restart the ${name} service`),
      stop: async (name) => record({ kind: 'service', action: 'stop', name }, `Would stop the ${name} service`),
      isActive: (name) => base.services.isActive(name),
    },
  };
  return host;
}
