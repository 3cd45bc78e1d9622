// Test harness for the test control plane: certificates made with the openssl CLI (independent of
// kgen's src/pki), a real etcd on 127.0.0.1 with client-certificate TLS, and the bundled
// kube-apiserver / kube-controller-manager programs started as child processes.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { toYaml } from '../../src/yaml.js';
import { KubeClient } from './kube-client.js';
import { NODE_PROGRAM } from '../esbuild-options.js';
import { freePort } from '../helpers.js';

export { freePort };

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SRC = join(ROOT, 'test/controlplane');

/** build/test/<name>.mjs from test/controlplane/<name>-main.ts, rebuilt when any source here is newer. */
export async function bundle(name: string): Promise<string> {
  const out = join(ROOT, 'build/test', `${name}.mjs`);
  const newest = Math.max(...readdirSync(SRC).filter((f) => f.endsWith('.ts')).map((f) => statSync(join(SRC, f)).mtimeMs));
  if (existsSync(out) && statSync(out).mtimeMs >= newest) return out;
  mkdirSync(join(ROOT, 'build/test'), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  await build({
    entryPoints: [join(SRC, `${name}-main.ts`)],
    outfile: tmp,
    ...NODE_PROGRAM,
  });
  renameSync(tmp, out);
  return out;
}

export interface Pair {
  cert: string;
  key: string;
}

/** A directory of openssl-made certificates. */
export class TestPki {
  constructor(readonly dir: string) {}

  private run(args: string[]): void {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  }

  ca(name: string, cn: string): Pair {
    const p = { cert: join(this.dir, `${name}.crt`), key: join(this.dir, `${name}.key`) };
    this.run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', p.key, '-out', p.cert, '-days', '2', '-subj', `/CN=${cn}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature']);
    return p;
  }

  /** A leaf signed by `ca`. subject like "/O=system:masters/CN=kubernetes-admin". */
  leaf(name: string, ca: Pair, subject: string, opts: { server?: boolean; client?: boolean; sans?: string[]; days?: number } = {}): Pair {
    const p = { cert: join(this.dir, `${name}.crt`), key: join(this.dir, `${name}.key`) };
    const csr = join(this.dir, `${name}.csr`);
    const ext = join(this.dir, `${name}.ext`);
    const eku = [opts.server ? 'serverAuth' : '', opts.client !== false ? 'clientAuth' : ''].filter(Boolean).join(',');
    writeFileSync(
      ext,
      ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', `extendedKeyUsage=${eku}`, ...(opts.sans ? [`subjectAltName=${opts.sans.join(',')}`] : [])].join('\n'),
    );
    this.run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', p.key, '-out', csr, '-subj', subject]);
    this.run(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-set_serial', String(Date.now()) + String(Math.floor(Math.random() * 1e6)), '-out', p.cert, '-days', String(opts.days ?? 2), '-extfile', ext]);
    return p;
  }

  rsaKey(name: string): { key: string; pub: string } {
    const key = join(this.dir, `${name}.key`);
    const pub = join(this.dir, `${name}.pub`);
    this.run(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', key]);
    this.run(['pkey', '-in', key, '-pubout', '-out', pub]);
    return { key, pub };
  }
}

export function kubeconfig(path: string, server: string, caFile: string, user: Partial<Pair> & { token?: string }): string {
  const u: Record<string, string> = {};
  if (user.cert) u['client-certificate-data'] = readFileSync(user.cert).toString('base64');
  if (user.key) u['client-key-data'] = readFileSync(user.key).toString('base64');
  if (user.token) u.token = user.token;
  writeFileSync(
    path,
    toYaml({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'kubernetes', cluster: { server, 'certificate-authority-data': readFileSync(caFile).toString('base64') } }],
      contexts: [{ name: 'ctx', context: { cluster: 'kubernetes', user: 'u' } }],
      'current-context': 'ctx',
      users: [{ name: 'u', user: u }],
    }),
  );
  return path;
}

export interface Proc {
  child: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

export function startProcess(cmd: string, args: string[], env: Record<string, string> = {}): Proc {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return {
    child,
    output: () => out,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}

/** Polls `check` until it returns a value (not undefined) or the attempts run out. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, attempts = 120, delayMs = 250): Promise<T> {
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, delayMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

export interface TestCluster {
  dir: string;
  pki: TestPki;
  ca: Pair;
  etcdCA: Pair;
  etcdClient: Pair;
  etcdUrl: string;
  sa: { key: string; pub: string };
  apiserverArgs: (port: number, extra?: string[]) => string[];
  /** Starts one more API server on the same etcd; resolves once it serves (`env`: e.g. its start-up window). */
  startApiServer: (extra?: string[], env?: Record<string, string>) => Promise<{ url: string; port: number; proc: Proc }>;
  client: (user: Partial<Pair> & { token?: string }, server?: string) => KubeClient;
  adminClient: () => KubeClient;
  admin: Pair;
  url: string;
  cleanup: () => Promise<void>;
}

/** One etcd (TLS, client certs) and one API server; more API servers can be started on the same etcd. */
export async function startCluster(): Promise<TestCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'kgen-cp-'));
  const pki = new TestPki(dir);
  const etcdCA = pki.ca('etcd-ca', 'etcd-ca');
  const etcdServer = pki.leaf('etcd-server', etcdCA, '/CN=etcd', { server: true, sans: ['IP:127.0.0.1', 'DNS:localhost'] });
  const etcdClient = pki.leaf('apiserver-etcd-client', etcdCA, '/CN=kube-apiserver-etcd-client');
  const ca = pki.ca('ca', 'kubernetes');
  const serving = pki.leaf('apiserver', ca, '/CN=kube-apiserver', { server: true, client: false, sans: ['IP:127.0.0.1', 'DNS:localhost', 'DNS:kubernetes'] });
  const admin = pki.leaf('admin', ca, '/O=system:masters/CN=kubernetes-admin');
  const sa = pki.rsaKey('sa');
  const procs: Proc[] = [];

  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const etcdUrl = `https://127.0.0.1:${clientPort}`;
  procs.push(
    startProcess('etcd', [
      '--name=t', `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`, `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=http://127.0.0.1:${peerPort}`, `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-cluster=t=http://127.0.0.1:${peerPort}`,
      `--cert-file=${etcdServer.cert}`, `--key-file=${etcdServer.key}`, '--client-cert-auth=true', `--trusted-ca-file=${etcdCA.cert}`,
      '--log-level=error',
    ]),
  );

  const apiserverArgs = (port: number, extra: string[] = []) => [
    '--advertise-address=127.0.0.1',
    '--bind-address=127.0.0.1',
    `--secure-port=${port}`,
    '--allow-privileged=true',
    '--authorization-mode=Node,RBAC',
    `--client-ca-file=${ca.cert}`,
    '--enable-admission-plugins=NodeRestriction',
    '--enable-bootstrap-token-auth=true',
    `--etcd-cafile=${etcdCA.cert}`,
    `--etcd-certfile=${etcdClient.cert}`,
    `--etcd-keyfile=${etcdClient.key}`,
    `--etcd-servers=${etcdUrl}`,
    `--kubelet-client-certificate=${admin.cert}`,
    `--kubelet-client-key=${admin.key}`,
    '--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname',
    `--proxy-client-cert-file=${admin.cert}`,
    `--proxy-client-key-file=${admin.key}`,
    '--requestheader-allowed-names=front-proxy-client',
    `--requestheader-client-ca-file=${ca.cert}`,
    '--requestheader-extra-headers-prefix=X-Remote-Extra-',
    '--requestheader-group-headers=X-Remote-Group',
    '--requestheader-username-headers=X-Remote-User',
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${sa.pub}`,
    `--service-account-signing-key-file=${sa.key}`,
    '--service-cluster-ip-range=10.96.0.0/12',
    `--tls-cert-file=${serving.cert}`,
    `--tls-private-key-file=${serving.key}`,
    ...extra,
  ];
  const program = await bundle('kube-apiserver');
  const clients: KubeClient[] = [];
  const client = (user: Partial<Pair> & { token?: string }, server: string) => {
    const c = new KubeClient({
      server,
      ca: readFileSync(ca.cert),
      cert: user.cert ? readFileSync(user.cert) : undefined,
      key: user.key ? readFileSync(user.key) : undefined,
      token: user.token,
    });
    clients.push(c);
    return c;
  };
  const startApiServer = async (extra: string[] = [], env: Record<string, string> = {}) => {
    const port = await freePort();
    const proc = startProcess(process.execPath, [program, ...apiserverArgs(port, extra)], env);
    procs.push(proc);
    const url = `https://127.0.0.1:${port}`;
    const probe = new KubeClient({ server: url, ca: readFileSync(ca.cert) });
    try {
      await eventually(`kube-apiserver on ${url}\n${proc.output()}`, async () => {
        if (proc.child.exitCode !== null) throw new Error(`exited: ${proc.output()}`);
        // 403: serving, inside its start-up window (see ServerConfig.startupWindowMs).
        return [200, 403].includes((await probe.raw('GET', '/readyz')).status) ? true : undefined;
      });
    } finally {
      await probe.close();
    }
    return { url, port, proc };
  };
  const first = await startApiServer();
  const withServer = (user: Partial<Pair> & { token?: string }, server = first.url) => client(user, server);
  return {
    dir,
    pki,
    ca,
    etcdCA,
    etcdClient,
    etcdUrl,
    sa,
    admin,
    url: first.url,
    apiserverArgs,
    startApiServer,
    client: withServer,
    adminClient: () => withServer(admin),
    cleanup: async () => {
      await Promise.all(clients.map((c) => c.close()));
      for (const p of procs.reverse()) await p.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
