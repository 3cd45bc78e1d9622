// The test implementation of kgen-boot's ServiceManager (src/boot/host.ts): plays systemd for one node.
// It knows one unit, kubelet, defined by kubeadm's drop-in: the node's own
// /etc/systemd/system/kubelet.service.d/10-kubeadm.conf or /usr/lib/systemd/system/kubelet.service.d/
// 10-kubeadm.conf when kgen wrote one, else the copy kubeadm's package installs (systemd-unit.ts).
// Each start re-reads the unit's EnvironmentFiles (as systemd does) and runs build/test/kubelet.mjs
// with the resulting flags plus --root, inside the node's network namespace (or, without `ns`, in the
// caller's own: the systemctl stand-in already runs inside it), output appended to
// <root>/var/log/kubelet.log (the journal's stand-in). Restart=always as in kubelet.service: an exited
// kubelet comes back after `restartDelayMs` (upstream RestartSec=10s), with whatever it left running
// (its static pods) killed first.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServiceManager } from '../../src/boot/host.js';
import { spawnIn, stopProcess } from './netns.js';
import { programPath } from './programs.js';
import { KUBEADM_DROPIN, resolveExecStart } from './systemd-unit.js';

export interface TestServiceManagerOptions {
  root: string;
  /** Network namespace the node's services run in; default the current one. */
  ns?: string;
  kubeletProgram?: string;
  restartDelayMs?: number;
}

const DROPIN_PATHS = ['/etc/systemd/system/kubelet.service.d/10-kubeadm.conf', '/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf'];

export class TestServiceManager implements ServiceManager {
  private child?: ChildProcess;
  private restartTimer?: NodeJS.Timeout;

  constructor(private readonly options: TestServiceManagerOptions) {}

  private unit(name: string): void {
    if (name !== 'kubelet' && name !== 'kubelet.service') throw new Error(`Unit ${name}.service not found.`);
  }

  private readNodeFile = async (path: string): Promise<string | undefined> => {
    const real = join(this.options.root, path);
    return existsSync(real) ? readFileSync(real, 'utf8') : undefined;
  };

  private async start(): Promise<void> {
    const dropin = DROPIN_PATHS.map((p) => join(this.options.root, p)).find((p) => existsSync(p));
    const unit = dropin ? readFileSync(dropin, 'utf8') : KUBEADM_DROPIN;
    const { program, args } = await resolveExecStart(unit, this.readNodeFile);
    if (program !== '/usr/bin/kubelet') throw new Error(`kubelet unit runs ${program}; the test service manager only runs /usr/bin/kubelet`);
    mkdirSync(join(this.options.root, 'var/log'), { recursive: true });
    const log = openSync(join(this.options.root, 'var/log/kubelet.log'), 'a');
    const kubelet = this.options.kubeletProgram ?? programPath('kubelet');
    const argv = [kubelet, '--root', this.options.root, ...args];
    const child = this.options.ns
      ? spawnIn(this.options.ns, process.execPath, argv, { stdio: ['ignore', log, log] })
      : spawn(process.execPath, argv, { stdio: ['ignore', log, log], detached: true });
    closeSync(log);
    this.child = child;
    child.once('exit', () => {
      if (this.child !== child) return;
      this.child = undefined;
      // A crashed kubelet leaves its static pods behind in its process group; with no container runtime
      // to keep them, they go too (the next kubelet starts them again), as a unit stop's cgroup kill would.
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // nothing left in the group
      }
      this.restartTimer = setTimeout(() => {
        this.restartTimer = undefined;
        void this.start().catch(() => {});
      }, this.options.restartDelayMs ?? 2_000);
    });
  }

  async restart(name: string): Promise<void> {
    this.unit(name);
    await this.stop(name);
    await this.start();
  }

  async stop(name: string): Promise<void> {
    this.unit(name);
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const child = this.child;
    this.child = undefined;
    if (child) await stopProcess(child, 15_000);
  }

  async isActive(name: string): Promise<boolean> {
    if (name !== 'kubelet' && name !== 'kubelet.service') return false;
    return this.child !== undefined && this.child.exitCode === null;
  }
}
