// Network namespaces for one-machine clusters (docs/architecture.md "Testing on one machine"), built with iproute2.
// A fabric is a dedicated namespace holding a Linux bridge (the "switch"); every node (or load balancer)
// gets its own namespace with `lo` up and one veth whose peer is enslaved to the bridge, so each node has
// its own 127.0.0.1 and its own address on a test-only subnet. Nothing is configured in the host's own
// namespace. Every namespace and every process started through here is registered, and removed on
// destroyFabric() or, as a last resort, when the test process exits.
import { execFile, execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export interface Fabric {
  /** Unique per test run; a prefix of every namespace and link name created for it. */
  readonly id: string;
  /** Namespace holding the bridge. */
  readonly ns: string;
  /** Prefix length of every address on the fabric, e.g. 24. */
  readonly prefixLength: number;
  readonly members: NetNamespace[];
}

export interface NetNamespace {
  /** `ip netns` name. */
  readonly ns: string;
  /** Address on the fabric, e.g. 10.99.0.11. */
  readonly address: string;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

const liveNamespaces = new Set<string>();
const liveProcesses = new Set<ChildProcess>();
let exitHookInstalled = false;
let counter = 0;

/** Last-resort cleanup: kill what we started and delete what we created, synchronously, at process exit. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of liveProcesses) killGroup(child, 'SIGKILL');
    for (const ns of liveNamespaces) {
      try {
        execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
      } catch {
        // already gone
      }
    }
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is already gone
  }
}

/** Runs a program to completion; a non-zero exit is returned, not thrown. */
export function run(cmd: string, args: string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: options.timeoutMs ?? 60_000, env: options.env ?? process.env, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') {
        reject(new Error(`cannot run ${cmd} ${args.join(' ')}: ${err.message}`, { cause: err }));
        return;
      }
      resolve({ code: err ? Number(err.code) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

async function ip(args: string[]): Promise<void> {
  const r = await run('ip', args);
  if (r.code !== 0) throw new Error(`ip ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
}

/** Runs `cmd args` inside namespace `ns` (ip netns exec) to completion. */
export function exec(ns: string, cmd: string, args: string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<ExecResult> {
  return run('ip', ['netns', 'exec', ns, cmd, ...args], options);
}

/**
 * Starts a long-running `cmd args` inside namespace `ns`, in its own process group (so stopProcess reaches
 * its children too). The process is registered for cleanup at exit.
 */
export function spawnIn(ns: string, cmd: string, args: string[], options: SpawnOptions = {}): ChildProcess {
  installExitHook();
  const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...options, detached: true });
  liveProcesses.add(child);
  child.once('exit', () => liveProcesses.delete(child));
  return child;
}

/** SIGTERM to the process group, SIGKILL after `graceMs`; resolves once the leader has exited. */
export async function stopProcess(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    killGroup(child, 'SIGKILL');
    liveProcesses.delete(child);
    return;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  killGroup(child, 'SIGTERM');
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  // children that outlived their leader
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // none left
  }
  liveProcesses.delete(child);
}

/** A fabric namespace with a bridge, named uniquely for this process. */
export async function createFabric(options: { prefixLength?: number } = {}): Promise<Fabric> {
  installExitHook();
  const id = `kg${process.pid.toString(36)}${(counter++).toString(36)}`;
  const ns = `${id}-fabric`;
  await ip(['netns', 'add', ns]);
  liveNamespaces.add(ns);
  await ip(['-n', ns, 'link', 'set', 'lo', 'up']);
  await ip(['-n', ns, 'link', 'add', 'br0', 'type', 'bridge']);
  await ip(['-n', ns, 'link', 'set', 'br0', 'up']);
  return { id, ns, prefixLength: options.prefixLength ?? 24, members: [] };
}

/**
 * A namespace attached to the fabric with `address` on its eth0. `name` must be short ([a-z0-9]{1,5}) so
 * the fabric-side link name (<id><name>) stays within Linux' 15-character limit.
 */
export async function addNamespace(fabric: Fabric, name: string, address: string): Promise<NetNamespace> {
  if (!/^[a-z0-9]{1,5}$/.test(name)) throw new Error(`namespace name "${name}" must match [a-z0-9]{1,5}`);
  const ns = `${fabric.id}-${name}`;
  const port = `${fabric.id}${name}`.slice(0, 15);
  await ip(['netns', 'add', ns]);
  liveNamespaces.add(ns);
  await ip(['-n', ns, 'link', 'set', 'lo', 'up']);
  await ip(['-n', fabric.ns, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
  await ip(['-n', fabric.ns, 'link', 'set', port, 'master', 'br0']);
  await ip(['-n', fabric.ns, 'link', 'set', port, 'up']);
  await ip(['-n', ns, 'addr', 'add', `${address}/${fabric.prefixLength}`, 'dev', 'eth0']);
  await ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
  const member = { ns, address };
  fabric.members.push(member);
  return member;
}

/** Kills every process started in the fabric's namespaces and deletes the namespaces. */
export async function destroyFabric(fabric: Fabric): Promise<void> {
  const names = new Set([fabric.ns, ...fabric.members.map((m) => m.ns)]);
  const inFabric = [...liveProcesses].filter((p) => names.has(String(p.spawnargs[3])));
  await Promise.all(inFabric.map((p) => stopProcess(p, 5_000)));
  // Processes started outside spawnIn (e.g. by a kubelet) still pin a namespace; kill them by pid.
  for (const ns of names) {
    const pids = await run('ip', ['netns', 'pids', ns]);
    for (const pid of pids.stdout.split(/\s+/).filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // exited meanwhile
      }
    }
  }
  for (const ns of names) {
    await run('ip', ['netns', 'del', ns]);
    liveNamespaces.delete(ns);
  }
}
