// The test kubelet's static pod source and runtime (upstream model: pkg/kubelet/config/file.go reads
// every non-hidden file in staticPodPath; a pod is identified by its file and restarted when the
// content changes, removed when the file goes away; restartPolicy Always restarts an exited container
// with a growing back-off capped at 10s here, 5 minutes upstream). Processes run in the kubelet's own
// network namespace (hostNetwork) and process group; their stdout/stderr, plus one line per lifecycle
// event from the kubelet, go to <root>/var/log/pods/<pod name>.log.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { podProcess, type PodProcess, type ProgramTable } from './pod-command.js';

export interface StaticPodOptions {
  root: string;
  /** staticPodPath, a node path. */
  manifestDir: string;
  programs: ProgramTable;
  log: (line: string) => void;
  pollMs?: number;
  /** How long a stopping pod gets between SIGTERM and SIGKILL. */
  graceMs?: number;
}

/** What the kubelet reports about one static pod (mirror pods are built from it). */
export interface StaticPodState {
  /** The manifest as parsed. */
  manifest: any;
  /** sha256 of the manifest file. */
  hash: string;
  running: boolean;
  restarts: number;
  /** When the current process started. */
  startedAt?: Date;
}

interface RunningPod {
  file: string;
  hash: string;
  manifest?: any;
  startedAt?: Date;
  spec?: PodProcess;
  child?: ChildProcess;
  restarts: number;
  stopping: boolean;
  restartTimer?: NodeJS.Timeout;
}

export class StaticPodRunner {
  private readonly pods = new Map<string, RunningPod>();
  private timer?: NodeJS.Timeout;
  private syncing = Promise.resolve();

  constructor(private readonly options: StaticPodOptions) {}

  start(): void {
    const tick = () => {
      this.syncing = this.sync().catch((err: Error) => this.options.log(`static pod sync failed: ${err.message}`));
      void this.syncing.then(() => {
        if (this.timer) this.timer = setTimeout(tick, this.options.pollMs ?? 1_000);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.syncing;
    await Promise.all([...this.pods.keys()].map((file) => this.remove(file)));
  }

  /** Every accepted static pod, in manifest file order. */
  states(): StaticPodState[] {
    return [...this.pods.values()]
      .filter((p) => p.spec)
      .map((p) => ({
        manifest: p.manifest,
        hash: p.hash,
        running: p.child !== undefined && p.child.pid !== undefined && p.child.exitCode === null && p.child.signalCode === null,
        restarts: p.restarts,
        startedAt: p.startedAt,
      }));
  }

  private logPath(name: string): string {
    return join(this.options.root, 'var/log/pods', `${name}.log`);
  }

  /** Logs a lifecycle line for pod `name` to the kubelet's log and the pod's. */
  private event(name: string, line: string): void {
    this.options.log(`pod ${name}: ${line}`);
    mkdirSync(join(this.options.root, 'var/log/pods'), { recursive: true });
    const fd = openSync(this.logPath(name), 'a');
    writeSync(fd, `[kubelet] ${new Date().toISOString()} ${line}\n`);
    closeSync(fd);
  }

  private async sync(): Promise<void> {
    const dir = join(this.options.root, this.options.manifestDir);
    const seen = new Map<string, string>();
    if (existsSync(dir)) {
      for (const file of readdirSync(dir).sort()) {
        if (file.startsWith('.')) continue;
        const path = join(dir, file);
        try {
          seen.set(file, readFileSync(path, 'utf8'));
        } catch {
          // a directory or a file that vanished between readdir and read
        }
      }
    }
    for (const file of [...this.pods.keys()]) {
      if (!seen.has(file)) await this.remove(file);
    }
    for (const [file, text] of seen) {
      const hash = createHash('sha256').update(text).digest('hex');
      const current = this.pods.get(file);
      if (current?.hash === hash) continue;
      if (current) await this.remove(file);
      this.add(file, hash, text);
    }
  }

  private add(file: string, hash: string, text: string): void {
    const pod: RunningPod = { file, hash, restarts: 0, stopping: false };
    this.pods.set(file, pod);
    try {
      pod.manifest = parse(text);
      pod.spec = podProcess(this.options.root, pod.manifest, this.options.programs);
    } catch (err) {
      const declared = pod.manifest?.metadata?.name;
      const name = (typeof declared === 'string' && declared ? declared : file).replace(/[^A-Za-z0-9._-]/g, '_');
      this.event(name, `manifest ${file} rejected: ${(err as Error).message}`);
      return;
    }
    this.launch(pod);
  }

  private launch(pod: RunningPod): void {
    const spec = pod.spec!;
    this.event(spec.name, `starting ${spec.command} ${spec.args.join(' ')}`);
    const fd = openSync(this.logPath(spec.name), 'a');
    const child = spawn(spec.command, spec.args, { cwd: this.options.root, env: { ...process.env, ...spec.env }, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    pod.child = child;
    pod.startedAt = new Date();
    child.once('error', (err) => this.event(spec.name, `failed to start: ${err.message}`));
    child.once('exit', (code, signal) => {
      if (pod.stopping) return;
      const backoff = Math.min(10_000, 1_000 * 2 ** pod.restarts);
      pod.restarts++;
      this.event(spec.name, `exited (${signal ?? `code ${code}`}); restarting in ${backoff / 1000}s`);
      pod.restartTimer = setTimeout(() => !pod.stopping && this.launch(pod), backoff);
    });
  }

  private async remove(file: string): Promise<void> {
    const pod = this.pods.get(file);
    if (!pod) return;
    this.pods.delete(file);
    pod.stopping = true;
    clearTimeout(pod.restartTimer);
    const child = pod.child;
    if (!child || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    this.event(pod.spec!.name, 'stopping');
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const kill = setTimeout(() => child.kill('SIGKILL'), this.options.graceMs ?? 10_000);
    await exited;
    clearTimeout(kill);
    this.event(pod.spec!.name, 'stopped');
  }
}
