// systemd's part for one test node's kubelet unit, behind kgen-boot's ServiceManager interface
// (src/boot/host.ts). It runs inside the unit's supervisor process (kubelet-service-main.ts), which the
// node's `systemctl` stand-in starts inside the node's network namespace, so the kubelet runs there too.
// It knows one unit, kubelet, defined by kubeadm's drop-in: the node's own
// /etc/systemd/system/kubelet.service.d/10-kubeadm.conf or /usr/lib/systemd/system/kubelet.service.d/
// 10-kubeadm.conf when kgen wrote one, else the copy kubeadm's package installs (systemd-unit.ts).
// Each start re-reads the unit's EnvironmentFiles (as systemd does) and runs build/test/kubelet.mjs
// with the resulting flags plus --root in its own process group, output appended to
// <root>/var/log/kubelet.log (the journal's stand-in). Restart=always as in kubelet.service: an exited
// kubelet comes back after 2s (upstream RestartSec=10s), with whatever it left running (its static
// pods) killed first.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServiceManager } from '../../src/boot/host.js';
import { stopProcess } from './netns.js';
import { programPath } from './programs.js';
import { KUBEADM_DROPIN, resolveExecStart } from './systemd-unit.js';

export interface TestServiceManagerOptions {
  root: string;
}

const RESTART_DELAY_MS = 2_000;

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
    const child = spawn(process.execPath, [programPath('kubelet'), '--root', this.options.root, ...args], { stdio: ['ignore', log, log], detached: true });
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
      }, RESTART_DELAY_MS);
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
