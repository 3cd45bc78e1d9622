// What `kgen upgrade apply --reimage-command` calls in the operator's test cluster (test/operator/cluster.ts),
// and a poller of the API through the load balancer, shared by test/operator/upgrade.integration.test.ts and
// the `upgrade` bench group (test/bench/upgrade.ts).
//
// The reimage hook is a shell script (`<script> {name}`, docs/upgrades.md: it runs through `sh -c`, exit 0
// means the machine is booting its new first-boot files) that curls a unix-socket HTTP server in this process;
// the server kills the machine, wipes its disk, prepares the node image from the re-rendered
// dist/nodes/NAME/node.yaml and starts `kgen-boot run` on it, the way replace.integration.test.ts reimages.
// A machine can be made to fail its next call once (the operator's IPMI call failing): the script exits 3.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { ExecResult } from '../cluster/netns.js';
import type { TestNode } from '../cluster/node.js';
import { prepareNodeImage } from '../cluster/node-image.js';
import { LB, type OperatorCluster } from './cluster.js';

/** One call of the hook that reached the server, with this process's clock (Date.now()). */
export interface HookCall {
  name: string;
  calledAt: number;
  /** When the machine's `kgen-boot run` exited 0. */
  bootedAt?: number;
}

export interface ReimageHook {
  /** The script; `--reimage-command '<script> {name}'`. */
  script: string;
  /** The machines reimaged, in the order the hook asked, with their times (a call made to fail is not among them). */
  calls: HookCall[];
  /** Each reimaged machine's `kgen-boot run`; rejects unless it exits 0. */
  boots: Array<Promise<void>>;
  /** The next call for `name` fails with exit 3 before it reaches the server. */
  failOnce(name: string): void;
  close(): void;
}

/** Starts the hook's server on `<work>/hook.sock` and writes the script `<work>/hook.sh`. */
export async function startReimageHook(cluster: OperatorCluster): Promise<ReimageHook> {
  const socket = join(cluster.work, 'hook.sock');
  const script = join(cluster.work, 'hook.sh');
  const hook: ReimageHook = {
    script,
    calls: [],
    boots: [],
    failOnce: (name) => writeFileSync(join(cluster.work, `fail.${name}`), ''),
    close: () => void server.close(),
  };
  const server: Server = createServer((req, res) => {
    const name = /^\/reimage\/([a-z0-9]+)$/.exec(req.url ?? '')?.[1];
    if (!name || !cluster.machines.some((m) => m.name === name)) return void res.writeHead(404).end();
    const call: HookCall = { name, calledAt: Date.now() };
    hook.calls.push(call);
    const machine: TestNode = cluster.nodes.find((n) => n.name === name)!;
    // The reimage: the machine dies, its disk is wiped, and it boots its re-rendered first-boot files.
    (async () => {
      await machine.services.stop('kubelet');
      rmSync(machine.root, { recursive: true, force: true });
      mkdirSync(join(machine.root, 'etc'), { recursive: true });
      writeFileSync(join(machine.root, 'etc/hostname'), `${name}\n`);
      prepareNodeImage(machine.root, { nodeYaml: readFileSync(join(cluster.work, 'dist/nodes', name, 'node.yaml'), 'utf8') });
      hook.boots.push(
        machine.runBoot(['run'], { timeoutMs: 900_000 }).then((r) => {
          if (r.code !== 0) throw new Error(`kgen-boot run on ${name} exited ${r.code}:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-2000)}`);
          call.bootedAt = Date.now();
        }),
      );
    })().then(
      () => res.writeHead(200).end('booting\n'),
      (err: Error) => res.writeHead(500).end(`${err.message}\n`),
    );
  });
  await new Promise<void>((resolve) => server.listen(socket, () => resolve()));
  // Fails once for a machine whose fail marker exists (the operator's IPMI call failing), else asks this process to reimage.
  writeFileSync(
    script,
    `#!/bin/sh\nif [ -e "${cluster.work}/fail.$1" ]; then rm "${cluster.work}/fail.$1"; echo "BMC of $1 did not answer" >&2; exit 3; fi\n` +
      `exec curl -sf --max-time 120 --unix-socket "${socket}" "http://hook/reimage/$1"\n`,
    { mode: 0o755 },
  );
  return hook;
}

/** The poller's program: GET /readyz every 500 ms until `stop` exists; prints the longest gap between answers. */
const POLLER = `
import https from 'node:https';
import { existsSync } from 'node:fs';
const [url, stop] = process.argv.slice(2);
let last = Date.now(), longest = 0, answered = 0, failed = 0;
const once = () => new Promise((done) => {
  const req = https.get(url, { rejectUnauthorized: false, timeout: 2000 }, (res) => { res.resume(); res.on('end', () => done(true)); });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', () => done(false));
});
while (!existsSync(stop)) {
  if (await once()) { const now = Date.now(); longest = Math.max(longest, now - last); last = now; answered++; } else failed++;
  await new Promise((r) => setTimeout(r, 500));
}
console.log(JSON.stringify({ longestGapMs: Math.max(longest, Date.now() - last), answered, failed }));
`;

/** What the poller saw: the longest time without an answer (also until it stopped), answered and failed polls. */
export interface ApiGaps {
  longestGapMs: number;
  answered: number;
  failed: number;
}

export interface ApiPoller {
  /** Tells the poller to stop and returns what it saw; throws when it printed nothing (it failed or was killed). */
  stop(): Promise<ApiGaps>;
}

/**
 * Starts polling https://LB:6443/readyz with `run` (a machine's or the seat's exec: where the poller sits). It
 * runs until stop() or for at most an hour; destroying the fabric kills it too.
 */
export function startApiPoller(cluster: OperatorCluster, run: (cmd: string, args: string[], options?: { timeoutMs?: number }) => Promise<ExecResult>): ApiPoller {
  const program = join(cluster.work, 'poller.mjs');
  const stopFile = join(cluster.work, 'poller.stop');
  rmSync(stopFile, { force: true });
  writeFileSync(program, POLLER);
  const poller = run(process.execPath, [program, `https://${LB}:6443/readyz`, stopFile], { timeoutMs: 3_600_000 }).catch(
    (err: Error): ExecResult => ({ code: -1, stdout: '', stderr: err.message }),
  );
  return {
    stop: async () => {
      writeFileSync(stopFile, '');
      const r = await poller;
      const line = r.stdout.trim().split('\n').pop() ?? '';
      if (!line.startsWith('{')) throw new Error(`the API poller printed nothing (exit ${r.code}): ${r.stderr.trim().slice(-500)}`);
      return JSON.parse(line) as ApiGaps;
    },
  };
}
