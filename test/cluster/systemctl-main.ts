// build/test/systemctl.mjs: the `systemctl` a test node's programs find on PATH (node.ts writes a
// per-node `systemctl` script that runs this with the node's --root and --state), so kgen-boot's real
// systemd ServiceManager (src/boot/host.ts systemdServices) drives the test kubelet:
//   systemctl restart|start kubelet     (re)start the unit's supervisor (kubelet-service.mjs), detached
//   systemctl stop kubelet              stop it and wait until the kubelet and its pods are gone
//   systemctl is-active [--quiet] kubelet   "active"/exit 0 or "inactive"/exit 3, as systemctl
//   systemctl enable|daemon-reload ...  accepted: nothing to record on a test node
//   --active UNIT,...                   units the node runs outside the test (systemd-resolved in kgen's image):
//                                       is-active reports them "active"
// Exit codes follow systemctl: 5 for an unknown unit, 1 for a bad command line.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { programPath } from './programs.js';

const UNITS = ['kubelet', 'kubelet.service'];

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function supervisorPid(state: string): number | undefined {
  const file = join(state, 'kubelet.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return pid > 0 && alive(pid) ? pid : undefined;
}

async function stop(state: string): Promise<void> {
  const pid = supervisorPid(state);
  if (pid !== undefined) {
    process.kill(pid, 'SIGTERM');
    for (let waited = 0; alive(pid); waited += 100) {
      if (waited === 30_000) process.kill(-pid, 'SIGKILL');
      await sleep(100);
    }
  }
  rmSync(join(state, 'kubelet.pid'), { force: true });
}

function start(root: string, state: string): void {
  mkdirSync(state, { recursive: true });
  const log = openSync(join(state, 'kubelet-service.log'), 'a');
  const child = spawn(process.execPath, [programPath('kubelet-service'), '--root', root], { detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  writeFileSync(join(state, 'kubelet.pid'), `${child.pid}\n`);
  child.unref();
}

async function main(argv: string[]): Promise<number> {
  const take = (flag: string) => {
    const i = argv.indexOf(flag);
    if (i < 0 || !argv[i + 1]) throw new Error(`${flag} is required`);
    return argv.splice(i, 2)[1]!;
  };
  const root = take('--root');
  const state = take('--state');
  const running = argv.includes('--active') ? take('--active').split(',') : [];
  const quiet = argv.includes('--quiet');
  const [verb, ...units] = argv.filter((a) => a !== '--quiet' && a !== '--now');
  if (verb === 'daemon-reload' || verb === 'enable') return 0;
  if (!verb || units.length !== 1) {
    process.stderr.write(`systemctl (test): unsupported command line: ${argv.join(' ')}\n`);
    return 1;
  }
  const known = UNITS.includes(units[0]!);
  switch (verb) {
    case 'is-active': {
      const active = running.includes(units[0]!) || (known && supervisorPid(state) !== undefined);
      if (!quiet) process.stdout.write(`${active ? 'active' : 'inactive'}\n`);
      return active ? 0 : 3;
    }
    case 'start':
    case 'restart':
    case 'stop':
      if (!known) {
        process.stderr.write(`Failed to ${verb} ${units[0]}: Unit ${units[0]!.replace(/\.service$/, '')}.service not found.\n`);
        return 5;
      }
      if (verb === 'start' && supervisorPid(state) !== undefined) return 0;
      await stop(state);
      if (verb !== 'stop') start(root, state);
      return 0;
    default:
      process.stderr.write(`systemctl (test): unknown command "${verb}"\n`);
      return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`systemctl (test): ${err.message}\n`);
    process.exit(1);
  },
);
