// ApiClient against a real HTTPS server on 127.0.0.1 with a test CA made by openssl (a real peer).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { createServer as createTcpServer, connect as tcpConnect, type Server as TcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toYaml } from '../yaml.js';
import { ApiClient, ApiError, dryRunTransport, tlsFromKubeconfig, type Credentials, type RetryPolicy } from './api-client.js';
import type { Clock, Random } from '../clock.js';
import { httpsTransport } from './https-transport.js';

const dir = mkdtempSync(join(tmpdir(), 'kgen-api-'));
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
const read = (f: string) => readFileSync(join(dir, f), 'utf8');

function makeCA(name: string) {
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '1', '-subj', `/CN=${name}`);
}
function makeLeaf(name: string, ca: string, subj: string, ext: string) {
  writeFileSync(join(dir, `${name}.ext`), ext);
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subj);
  openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '1', '-extfile', `${name}.ext`);
}

interface Seen {
  method: string;
  url: string;
  body: string;
  auth?: string;
  contentType?: string;
  peerCN?: string;
}
type Handler = (req: Seen, res: ServerResponse) => void;

let server: Server;
let server2Url: string;
let handler: Handler = (_req, res) => res.end('{}');
const seen: Seen[] = [];

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};
const status = (code: number, reason: string, message: string) => ({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, message, code });

beforeAll(async () => {
  makeCA('ca');
  makeCA('other-ca');
  makeLeaf('server', 'ca', '/CN=kube-apiserver', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  makeLeaf('admin', 'ca', '/O=kubeadm:cluster-admins/CN=kubernetes-admin', 'extendedKeyUsage=clientAuth\n');
  server = createServer({ key: read('server.key'), cert: read('server.crt'), ca: read('ca.crt'), requestCert: true, rejectUnauthorized: false }, (req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      const s: Seen = { method: req.method!, url: req.url!, body, auth: req.headers.authorization, contentType: String(req.headers['content-type'] ?? ''), peerCN: peer?.subject?.CN ? String(peer.subject.CN) : undefined };
      seen.push(s);
      handler(s, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  server2Url = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const sleeps: number[] = [];
// Time passes only in sleeps, so the retry budget counts the backoff alone.
const clock: Clock = { now: () => new Date(sleeps.reduce((a, b) => a + b, 0)), sleep: async (ms) => void sleeps.push(ms) };
const random: Random = { bytes: (n) => Buffer.alloc(n), float: () => 0.5 };
// Sleeps of 75, 150 and 225 ms fit the budget, a fourth (225) would not: four attempts at most.
const RETRY: RetryPolicy = { budgetMs: 500, baseMs: 100, maxMs: 300 };

function client(credentials: Credentials = { kind: 'certificate', cert: read('admin.crt'), key: read('admin.key') }, ca = read('ca.crt'), retry = RETRY) {
  sleeps.length = 0;
  seen.length = 0;
  return new ApiClient({ server: server2Url, transport: httpsTransport({ server: server2Url, ca, credentials }), clock, random, retry });
}

const cm = (name: string, data: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'kube-system' } as { name: string; namespace: string; resourceVersion?: string },
  data,
});

describe('ApiClient over HTTPS', () => {
  it('authenticates with the client certificate and verifies the server against the CA', async () => {
    handler = (_r, res) => json(res, 200, cm('kubeadm-config', { a: 'b' }));
    const got = await client().get('v1', 'ConfigMap', 'kubeadm-config', 'kube-system');
    expect(got.metadata.name).toBe('kubeadm-config');
    expect(seen[0]).toMatchObject({ method: 'GET', url: '/api/v1/namespaces/kube-system/configmaps/kubeadm-config', peerCN: 'kubernetes-admin' });
  });

  it('sends a bearer token when given one', async () => {
    handler = (_r, res) => json(res, 200, { items: [] });
    await client({ kind: 'token', token: 'abcdef.0123456789abcdef' }).list('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding');
    expect(seen[0]).toMatchObject({ url: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', auth: 'Bearer abcdef.0123456789abcdef' });
  });

  it('rejects a server whose certificate the given CA did not sign, without retrying forever', async () => {
    const err = await client({ kind: 'anonymous' }, read('other-ca.crt'))
      .get('v1', 'Node', 'n1')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).reason).toBe('ConnectionFailed');
    expect((err as ApiError).status).toBeUndefined();
    expect(seen).toHaveLength(0);
  });

  it('retries 5xx with capped exponential backoff and jitter, then succeeds', async () => {
    let n = 0;
    handler = (_r, res) => (n++ < 3 ? json(res, 503, status(503, 'ServiceUnavailable', 'etcd not ready')) : json(res, 200, cm('x', {})));
    await client().get('v1', 'ConfigMap', 'x', 'kube-system');
    expect(seen).toHaveLength(4);
    // base 100ms doubling, capped at 300ms, times (0.5 + 0.5 * 0.5).
    expect(sleeps).toEqual([75, 150, 225]);
  });

  it('honours Retry-After on 429 (capped)', async () => {
    let n = 0;
    handler = (_r, res) => (n++ === 0 ? json(res, 429, status(429, 'TooManyRequests', 'slow down'), { 'retry-after': '1' }) : json(res, 200, cm('x', {})));
    await client().get('v1', 'ConfigMap', 'x', 'kube-system');
    expect(sleeps).toEqual([300]);
  });

  it('gives up after the last attempt with a typed error carrying status, URL and reason', async () => {
    handler = (_r, res) => json(res, 500, status(500, 'InternalError', 'boom'));
    const err = (await client().get('v1', 'ConfigMap', 'x', 'kube-system').catch((e: unknown) => e)) as ApiError;
    expect(seen).toHaveLength(4);
    expect(err).toBeInstanceOf(ApiError);
    expect([err.status, err.reason, err.url]).toEqual([500, 'InternalError', `${server2Url}/api/v1/namespaces/kube-system/configmaps/x`]);
    expect(err.message).toBe(`GET ${server2Url}/api/v1/namespaces/kube-system/configmaps/x: HTTP 500 InternalError: boom (gave up after 4 attempts in 0.5s)`);
  });

  it('waits out 403 for the retry budget (a server still loading its authorization caches), then reports it', async () => {
    handler = (_r, res) => json(res, 403, status(403, 'Forbidden', 'secrets "kubeadm-certs" is forbidden'));
    const err = (await client({ kind: 'token', token: 'abcdef.0123456789abcdef' }).get('v1', 'Secret', 'kubeadm-certs', 'kube-system').catch((e: unknown) => e)) as ApiError;
    expect(seen).toHaveLength(4);
    expect(err.status).toBe(403);
    expect(err.message).not.toContain('0123456789abcdef');
  });

  it('gets through a server that answers 403 for a moment after it starts serving, logging each retry; without retries it fails', async () => {
    // Real time here: the server's start-up window is wall-clock, as the test kube-apiserver's.
    const realClock: Clock = { now: () => new Date(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };
    const tls = { server: server2Url, ca: read('ca.crt'), credentials: { kind: 'certificate' as const, cert: read('admin.crt'), key: read('admin.key') } };
    const startingServer = (windowMs: number) => {
      const servingSince = Date.now();
      handler = (_r, res) =>
        Date.now() - servingSince < windowMs
          ? json(res, 403, status(403, 'Forbidden', 'nodes "cp2" is forbidden: User "kubernetes-admin" cannot patch resource "nodes"'))
          : json(res, 200, cm('x', {}));
    };
    const retries: string[] = [];
    const patient = new ApiClient({ server: server2Url, transport: httpsTransport(tls), clock: realClock, random, retry: { budgetMs: 10_000, baseMs: 50, maxMs: 200 }, onRetry: (m) => retries.push(m) });
    startingServer(400);
    await expect(patient.get('v1', 'ConfigMap', 'x', 'kube-system')).resolves.toMatchObject({ metadata: { name: 'x' } });
    expect(retries.length).toBeGreaterThan(0);
    expect(retries[0]).toMatch(/^GET https:\/\/127\.0\.0\.1:\d+\/api\/v1\/namespaces\/kube-system\/configmaps\/x answered HTTP 403 Forbidden: nodes "cp2" is forbidden: .*; retrying in 0\.\ds \(0\.\ds so far\)$/);

    const impatient = new ApiClient({ server: server2Url, transport: httpsTransport(tls), clock: realClock, random, retry: { budgetMs: 0, baseMs: 50, maxMs: 200 } });
    startingServer(400);
    await expect(impatient.get('v1', 'ConfigMap', 'x', 'kube-system')).rejects.toMatchObject({ status: 403 });
  });

  it('does not retry a 403 the caller declares final, nor a client error such as 404 or 422', async () => {
    handler = (_r, res) => json(res, 403, status(403, 'Forbidden', 'clusterrolebindings is forbidden'));
    const c = client();
    const err = (await c.get('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'x', undefined, { forbiddenIsFinal: true }).catch((e: unknown) => e)) as ApiError;
    expect([seen.length, err.status]).toEqual([1, 403]);
    handler = (_r, res) => json(res, 422, status(422, 'Invalid', 'bad'));
    const invalid = (await c.create(cm('x', {})).catch((e: unknown) => e)) as ApiError;
    expect([seen.length, invalid.status]).toEqual([2, 422]);
  });

  it('reports a refused connection as ConnectionFailed after every attempt, naming the URL', async () => {
    const closed = new ApiClient({
      server: 'https://127.0.0.1:1',
      transport: httpsTransport({ server: 'https://127.0.0.1:1', ca: read('ca.crt'), credentials: { kind: 'token', token: 'abcdef.0123456789abcdef' } }),
      clock,
      random,
      retry: RETRY,
    });
    sleeps.length = 0;
    const err = (await closed.get('v1', 'Node', 'n1').catch((e: unknown) => e)) as ApiError;
    expect(err.reason).toBe('ConnectionFailed');
    expect(err.message).toMatch(/^GET https:\/\/127\.0\.0\.1:1\/api\/v1\/nodes\/n1: connection failed: ECONNREFUSED/);
    expect(err.message).not.toContain('0123456789abcdef');
    expect(sleeps).toHaveLength(3);
  });

  it('createOrUpdate: creates when absent', async () => {
    handler = (r, res) => json(res, 201, JSON.parse(r.body));
    await client().createOrUpdate(cm('kubelet-config', { kubelet: 'x' }));
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual(['POST /api/v1/namespaces/kube-system/configmaps']);
    expect(seen[0]!.contentType).toBe('application/json');
  });

  it('createOrUpdate: on 409 reads the resourceVersion and PUTs, retrying a write conflict, never creating twice', async () => {
    let puts = 0;
    let version = 7;
    handler = (r, res) => {
      if (r.method === 'POST') return json(res, 409, status(409, 'AlreadyExists', 'configmaps "kubelet-config" already exists'));
      if (r.method === 'GET') return json(res, 200, { ...cm('kubelet-config', {}), metadata: { name: 'kubelet-config', namespace: 'kube-system', resourceVersion: String(version) } });
      puts++;
      if (puts === 1) {
        version = 8;
        return json(res, 409, status(409, 'Conflict', 'the object has been modified'));
      }
      return json(res, 200, JSON.parse(r.body));
    };
    const result = await client().createOrUpdate(cm('kubelet-config', { kubelet: 'y' }));
    expect(seen.map((s) => s.method)).toEqual(['POST', 'GET', 'PUT', 'GET', 'PUT']);
    expect(JSON.parse(seen[2]!.body).metadata.resourceVersion).toBe('7');
    expect(JSON.parse(seen[4]!.body).metadata.resourceVersion).toBe('8');
    expect(result.metadata.resourceVersion).toBe('8');
    expect(seen.filter((s) => s.method === 'POST')).toHaveLength(1);
  });

  it('createOrUpdate: a Service whose fixed clusterIP is taken (422) is updated when asked, and is an error otherwise', async () => {
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'kube-dns', namespace: 'kube-system' }, spec: { clusterIP: '10.96.0.10' } };
    handler = (r, res) => {
      if (r.method === 'POST') return json(res, 422, status(422, 'Invalid', 'Service "kube-dns" is invalid: spec.clusterIPs: Invalid value: ["10.96.0.10"]: provided IP is already allocated'));
      if (r.method === 'GET') return json(res, 200, { ...svc, metadata: { ...svc.metadata, resourceVersion: '3' } });
      return json(res, 200, JSON.parse(r.body));
    };
    await client().createOrUpdate(svc, { invalidMeansExists: true });
    expect(seen.map((s) => s.method)).toEqual(['POST', 'GET', 'PUT']);
    seen.length = 0;
    const err = (await client().createOrUpdate(svc).catch((e: unknown) => e)) as ApiError;
    expect(err.status).toBe(422);
    expect(seen.map((s) => s.method)).toEqual(['POST']);
  });

  it('finds unknown kinds through API discovery (once) and uses their plural and scope', async () => {
    handler = (r, res) =>
      r.url === '/apis/crd.projectcalico.org/v1'
        ? json(res, 200, { kind: 'APIResourceList', resources: [{ name: 'ippools', kind: 'IPPool', namespaced: false }, { name: 'ippools/status', kind: 'IPPool', namespaced: false }] })
        : json(res, 201, JSON.parse(r.body || '{}'));
    const c = client();
    const pool = { apiVersion: 'crd.projectcalico.org/v1', kind: 'IPPool', metadata: { name: 'default' } };
    await c.create(pool);
    await c.create(pool);
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'GET /apis/crd.projectcalico.org/v1',
      'POST /apis/crd.projectcalico.org/v1/ippools',
      'POST /apis/crd.projectcalico.org/v1/ippools',
    ]);
  });

  it('deletes idempotently (404 is success) and patches with the patch content type', async () => {
    handler = (r, res) => (r.method === 'DELETE' ? json(res, 404, status(404, 'NotFound', 'gone')) : json(res, 200, cm('x', {})));
    const c = client();
    await c.delete('v1', 'Secret', 'bootstrap-token-abcdef', 'kube-system');
    await c.patch({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'cp1' } }, { metadata: { labels: { a: 'b' } } });
    expect(seen[1]).toMatchObject({ method: 'PATCH', url: '/api/v1/nodes/cp1', contentType: 'application/strategic-merge-patch+json' });
  });
});

describe('tlsFromKubeconfig', () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const kubeconfig = (user: Record<string, string>) =>
    toYaml({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'demo', cluster: { server: 'https://10.0.0.10:6443', 'certificate-authority-data': b64('CA PEM') } }],
      users: [{ name: 'u', user }],
      contexts: [{ name: 'u@demo', context: { cluster: 'demo', user: 'u' } }],
      'current-context': 'u@demo',
    });

  it.each<[string, Record<string, string>, Credentials]>([
    ['embedded client certificate', { 'client-certificate-data': b64('CERT'), 'client-key-data': b64('KEY') }, { kind: 'certificate', cert: 'CERT', key: 'KEY' }],
    ['client certificate by file (kubelet.conf)', { 'client-certificate': '/var/lib/kubelet/pki/kubelet-client-current.pem', 'client-key': '/var/lib/kubelet/pki/kubelet-client-current.pem' }, { kind: 'certificate', cert: 'FILE /var/lib/kubelet/pki/kubelet-client-current.pem', key: 'FILE /var/lib/kubelet/pki/kubelet-client-current.pem' }],
    ['bearer token', { token: 'abcdef.0123456789abcdef' }, { kind: 'token', token: 'abcdef.0123456789abcdef' }],
  ])('reads %s', async (_n, user, credentials) => {
    const tls = await tlsFromKubeconfig(kubeconfig(user), '/etc/kubernetes/admin.conf', async (p) => `FILE ${p}`);
    expect(tls).toEqual({ server: 'https://10.0.0.10:6443', ca: 'CA PEM', insecure: false, credentials });
  });

  it('names the kubeconfig and the missing piece', async () => {
    await expect(tlsFromKubeconfig('apiVersion: v1\nkind: Config\n', '/etc/kubernetes/admin.conf', async () => '')).rejects.toThrow(
      '/etc/kubernetes/admin.conf: no current-context; expected a kubeconfig as kubeadm writes it',
    );
  });
});

describe('dryRunTransport', () => {
  it('records writes, prints them kubeadm-style, and answers reads as if nothing exists', async () => {
    const printed: string[] = [];
    const transport = dryRunTransport((l) => printed.push(l));
    const c = new ApiClient({ server: 'https://10.0.0.10:6443', transport, clock, random, retry: RETRY });
    expect(await c.getIfExists('v1', 'ConfigMap', 'kubeadm-config', 'kube-system')).toBeUndefined();
    await c.createOrUpdate(cm('kubeadm-config', {}));
    expect(printed).toEqual([
      '[dryrun] Would perform action CREATE on resource "configmaps" in API group "core/v1"',
      '[dryrun] Attached object:',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kubeadm-config\n  namespace: kube-system\ndata: {}',
    ]);
    expect(transport.recorded.map((r) => r.method)).toEqual(['GET', 'POST']);
  });
});

describe('httpsTransport connections', () => {
  const certTls = () => ({ ca: read('ca.crt'), credentials: { kind: 'certificate' as const, cert: read('admin.crt'), key: read('admin.key') } });

  it('keeps one connection to a server for all calls, sequential and concurrent', async () => {
    let connections = 0;
    const count = () => void connections++;
    server.on('secureConnection', count);
    try {
      handler = (_r, res) => json(res, 200, cm('x', {}));
      const c = new ApiClient({ server: server2Url, transport: httpsTransport({ server: server2Url, ...certTls() }), clock, random, retry: RETRY });
      for (let i = 0; i < 3; i++) await c.get('v1', 'ConfigMap', 'x', 'kube-system');
      await Promise.all(Array.from({ length: 4 }, () => c.get('v1', 'ConfigMap', 'x', 'kube-system')));
      expect(connections).toBe(1);
    } finally {
      server.off('secureConnection', count);
    }
  });

  it.each([
    { dead: 'resets it', deadTurn: (client: { resetAndDestroy(): void }) => void client.resetAndDestroy(), code: 'ECONNRESET' },
    { dead: 'never answers', deadTurn: () => undefined, code: 'UND_ERR_CONNECT_TIMEOUT' },
  ])('replaces a first connection the load balancer sends to a dead backend that $dead with a new one at once, and says so', async ({ deadTurn, code }) => {
    // A TCP balancer in front of the server whose first connection lands on a dead backend.
    let accepted = 0;
    const open: Array<{ destroy(): void }> = [];
    const lb: TcpServer = createTcpServer((client) => {
      open.push(client);
      if (accepted++ === 0) return deadTurn(client);
      const upstream = tcpConnect(Number(new URL(server2Url).port), '127.0.0.1');
      open.push(client, upstream);
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((r) => lb.listen(0, '127.0.0.1', r));
    const url = `https://127.0.0.1:${(lb.address() as { port: number }).port}`;
    try {
      handler = (_r, res) => json(res, 200, cm('x', {}));
      const logs: string[] = [];
      const c = new ApiClient({ server: url, transport: httpsTransport({ server: url, ...certTls() }, (m) => logs.push(m)), clock, random, retry: RETRY });
      sleeps.length = 0;
      await expect(c.get('v1', 'ConfigMap', 'x', 'kube-system')).resolves.toMatchObject({ metadata: { name: 'x' } });
      expect(accepted).toBe(2);
      expect(sleeps).toEqual([]);
      expect(logs).toHaveLength(1);
      expect(logs[0]).toMatch(new RegExp(`^connecting to https://127\\.0\\.0\\.1:\\d+ failed \\(${code}: .*\\); trying a new connection$`));
    } finally {
      for (const socket of open) socket.destroy();
      await new Promise<void>((r) => lb.close(() => r()));
    }
  });
});
