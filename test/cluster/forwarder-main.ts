// build/test/forwarder.mjs: the load balancer program the cluster harness starts inside a namespace.
//   node forwarder.mjs --listen 10.99.0.2:6443 --backend 10.99.0.11:6443 --backend 10.99.0.12:6443
// Prints "listening on <host:port>" once bound, then one "connection N -> backend: outcome" line per accepted
// connection (the harness counts them); stops on SIGTERM.
import { parseArgs } from 'node:util';
import { parseEndpoint, startForwarder } from './forwarder.js';

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { listen: { type: 'string' }, backend: { type: 'string', multiple: true } },
    strict: true,
  });
  if (!values.listen || !values.backend?.length) {
    process.stderr.write('usage: forwarder --listen HOST:PORT --backend HOST:PORT [--backend HOST:PORT ...]\n');
    return 2;
  }
  const forwarder = await startForwarder({
    listen: parseEndpoint(values.listen),
    backends: values.backend.map(parseEndpoint),
    log: (line) => process.stdout.write(`${line}\n`),
  });
  process.stdout.write(`listening on ${values.listen}\n`);
  await new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
  await forwarder.close();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`forwarder: ${err.message}\n`);
    process.exit(1);
  },
);
