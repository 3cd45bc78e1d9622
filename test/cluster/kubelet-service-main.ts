// build/test/kubelet-service.mjs: the kubelet unit's supervisor, what systemd itself is for the unit
// (started detached by the systemctl stand-in, inside the node's network namespace):
//   node kubelet-service.mjs --root DIR
// Runs the test kubelet with Restart=always (service-manager.ts); SIGTERM stops the kubelet (and with it
// its static pods) and exits.
import { parseArgs } from 'node:util';
import { TestServiceManager } from './service-manager.js';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { root: { type: 'string' } }, strict: true });
  if (!values.root) throw new Error('usage: kubelet-service --root DIR');
  const services = new TestServiceManager({ root: values.root });
  const stopping = new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
  await services.restart('kubelet');
  await stopping;
  await services.stop('kubelet');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`kubelet-service: ${err.message}\n`);
    process.exit(1);
  },
);
