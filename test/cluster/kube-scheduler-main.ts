// build/test/kube-scheduler.mjs: stands in for kube-scheduler in the kubeadm static pod. It schedules
// nothing; it checks what a real scheduler would need from kubeadm's manifest (upstream flags:
// cmd/kubeadm/app/phases/controlplane/manifests.go getSchedulerCommand) and then serves its secure
// health endpoints like the real one:
//   - only kube-scheduler flags kubeadm may pass are accepted (scheduler-flags.ts); --kubeconfig is required;
//   - each kubeconfig (--kubeconfig, --authentication-kubeconfig, --authorization-kubeconfig) must load,
//     carry a CA and a matching client certificate and key for user system:kube-scheduler;
//   - /livez, /readyz, /healthz answer "ok" over HTTPS on --bind-address:--secure-port (default 10259),
//     with a self-signed serving certificate as the scheduler makes when given none (made with openssl).
// Paths reach this program already rewritten to host paths by the test kubelet.
import { execFileSync } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadKubeconfig } from './kubeconfig.js';
import { parseSchedulerFlags } from './scheduler-flags.js';

function checkKubeconfig(path: string): void {
  const creds = loadKubeconfig('/', path);
  if (!creds.ca) throw new Error(`${path}: the cluster has no certificate-authority(-data)`);
  if (!creds.cert || !creds.key) throw new Error(`${path}: the user has no client certificate and key`);
  const cert = new X509Certificate(creds.cert);
  if (!cert.checkPrivateKey(createPrivateKey(creds.key))) throw new Error(`${path}: client certificate and key do not match`);
  if (!/^CN=system:kube-scheduler$/m.test(cert.subject)) throw new Error(`${path}: client certificate subject is "${cert.subject}", expected CN=system:kube-scheduler`);
  if (!cert.verify(new X509Certificate(creds.ca).publicKey)) throw new Error(`${path}: client certificate is not signed by the kubeconfig's CA`);
}

function selfSigned(host: string): { cert: Buffer; key: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'kube-scheduler-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
      '-subj', `/CN=${host}@${Math.floor(Date.now() / 1000)}`, '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    return { cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(argv: string[]): Promise<number> {
  const flags = parseSchedulerFlags(argv);
  for (const name of ['kubeconfig', 'authentication-kubeconfig', 'authorization-kubeconfig']) {
    const path = flags.get(name);
    if (path) checkKubeconfig(path);
  }
  const host = flags.get('bind-address') ?? '0.0.0.0';
  const port = Number(flags.get('secure-port') ?? 10259);
  const server = createServer(selfSigned(host), (req, res) => {
    const ok = ['/livez', '/readyz', '/healthz'].includes(req.url ?? '');
    res.writeHead(ok ? 200 : 404, { 'content-type': 'text/plain' }).end(ok ? 'ok' : 'not found');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  process.stderr.write(`kube-scheduler: configuration valid; serving health on https://${host}:${port}\n`);
  await new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
  server.close();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`kube-scheduler: ${err.message}\n`);
    process.exit(1);
  },
);
