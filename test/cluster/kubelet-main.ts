// build/test/kubelet.mjs: the test kubelet program, started by the test service manager inside a node's
// network namespace:
//   node kubelet.mjs --root DIR <kubelet flags as the kubeadm drop-in passes them>
// Static pod programs are taken from this file's directory (build/test). Exits 0 on SIGTERM/SIGINT after
// stopping its pods, 1 on a startup error (kubelet-style: systemd's Restart=always brings it back).
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runKubelet } from './kubelet.js';
import { parseKubeletFlags } from './kubelet-flags.js';
import { defaultPrograms } from './pod-command.js';

/** Node status and lease period: a few seconds so tests see heartbeats quickly (upstream: 10s). */
const HEARTBEAT_MS = 3_000;

async function main(argv: string[]): Promise<number> {
  const log = (line: string) => process.stderr.write(`${new Date().toISOString()} kubelet: ${line}\n`);
  let flags;
  try {
    flags = parseKubeletFlags(argv);
  } catch (err) {
    log((err as Error).message);
    return 2;
  }
  const controller = new AbortController();
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => controller.abort(new Error(`received ${sig}`)));
  try {
    const programs = defaultPrograms(dirname(fileURLToPath(import.meta.url)));
    await runKubelet(flags, { programs, log, heartbeatMs: HEARTBEAT_MS }, controller.signal);
    return 0;
  } catch (err) {
    if (controller.signal.aborted) return 0;
    log(`run failed: ${(err as Error).message}`);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code));
