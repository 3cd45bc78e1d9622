// kgen-boot's own CLI (src/boot/cli.ts main) with shorter wait timeouts, for tests that need a wait to time
// out without spending kubeadm's 4 minutes. It uses the product's existing injection point, BootDeps.timeouts
// (src/boot/phases/data.ts Timeouts), and nothing else: every phase, path and message is the product's.
// Bundled by test/init-recovery.integration.test.ts and run on a test node like build/kgen-boot.mjs.
// Usage: node kgen-boot-short-timeouts.mjs --control-plane-timeout-ms N <kgen-boot args...>
import { main } from '../../src/boot/cli.js';

const [flag, value, ...rest] = process.argv.slice(2);
const ms = Number(value);
if (flag !== '--control-plane-timeout-ms' || !Number.isInteger(ms) || ms <= 0) {
  process.stderr.write('usage: kgen-boot-short-timeouts --control-plane-timeout-ms N <kgen-boot args...>\n');
  process.exitCode = 1;
} else {
  process.exitCode = await main(
    rest,
    { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t), cwd: process.cwd() },
    { timeouts: { controlPlaneMs: ms, apiObjectMs: ms, pollMs: 500 } },
  );
}
