// Token discovery against a local node:https API server stand-in (serving certificate from src/pki) through
// the real undici fetcher; the clock is fake, so no test sleeps.
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildClusterInfoKubeconfig, caCertHash, createCA, createCertAndKey, serializeKubeconfig } from '../pki/index.js';
import type { CertKeyPair } from '../pki/types.js';
import { discover, DiscoveryError, httpsClusterInfoFetcher, type DiscoveryDeps } from './discovery.js';
import { computeDetachedJWS } from './jws.js';

const TOKEN_ID = 'abcdef';
const TOKEN_SECRET = '0123456789abcdef';
const TOKEN = `${TOKEN_ID}.${TOKEN_SECRET}`;
const PATH = '/api/v1/namespaces/kube-public/configmaps/cluster-info';

let ca: CertKeyPair;
let otherCA: CertKeyPair;
let server: Server;
let endpoint: string;
let kubeconfig: string;
/** What the server answers to request number i (0-based); reset per test. */
let respond: (i: number, path: string) => { status: number; body: string };
let requests: Array<{ path: string; authorization?: string }> = [];
/** Every log line and error message any test produced: none may hold the token secret. */
const transcript: string[] = [];

const configMap = (data: Record<string, string>) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cluster-info', namespace: 'kube-public' }, data });
const signed = (kc = kubeconfig, extra: Record<string, string> = {}) =>
  configMap({ kubeconfig: kc, [`jws-kubeconfig-${TOKEN_ID}`]: computeDetachedJWS(kc, TOKEN_ID, TOKEN_SECRET), ...extra });
const ok = (body: string) => ({ status: 200, body });

beforeAll(async () => {
  ca = await createCA({ commonName: 'kubernetes', algorithm: 'ECDSA-P256', validityHours: 24 });
  otherCA = await createCA({ commonName: 'kubernetes', algorithm: 'ECDSA-P256', validityHours: 24 });
  const serving = await createCertAndKey({ commonName: 'kube-apiserver', ips: ['127.0.0.1'], usages: ['serverAuth'], algorithm: 'ECDSA-P256', validityHours: 24 }, ca);
  server = createServer({ cert: serving.cert, key: serving.key }, (req, res) => {
    const i = requests.length;
    requests.push({ path: req.url ?? '', authorization: req.headers.authorization });
    const r = respond(i, req.url ?? '');
    res.writeHead(r.status, { 'content-type': 'application/json' }).end(r.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  kubeconfig = serializeKubeconfig(buildClusterInfoKubeconfig({ server: `https://${endpoint}`, caCertPem: ca.cert }));
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  expect(transcript.length).toBeGreaterThan(10);
  for (const line of transcript) expect(line).not.toContain(TOKEN_SECRET);
});

function fakeDeps(): DiscoveryDeps & { sleeps: number[]; logs: string[] } {
  let t = Date.parse('2026-01-01T00:00:00Z');
  const sleeps: number[] = [];
  const logs: string[] = [];
  return {
    fetchClusterInfo: httpsClusterInfoFetcher({ timeoutMs: 5000 }),
    clock: {
      now: () => new Date(t),
      sleep: async (ms) => {
        sleeps.push(ms);
        t += ms;
      },
    },
    random: () => 0.5,
    log: (line) => {
      logs.push(line);
      transcript.push(line);
    },
    sleeps,
    logs,
  };
}

async function run(over: { caCertHashes?: string[]; timeoutSeconds?: number; token?: string; apiServerEndpoint?: string } = {}, deps = fakeDeps()) {
  requests = [];
  const d = { apiServerEndpoint: endpoint, token: TOKEN, caCertHashes: [caCertHash(ca.cert)], timeoutSeconds: 60, ...over };
  try {
    return { result: await discover(d, deps), deps };
  } catch (err) {
    transcript.push((err as Error).message);
    if (!(err instanceof DiscoveryError)) throw err;
    return { error: err, deps };
  }
}

describe('discover', () => {
  it('returns the verified cluster after an unverified and a verified read of the same kubeconfig', async () => {
    respond = () => ok(signed());
    const { result, error, deps } = await run();
    expect(error).toBeUndefined();
    expect(result).toEqual({ server: `https://${endpoint}`, caCertPem: ca.cert, clusterName: 'kubernetes', kubeconfig });
    expect(requests).toEqual([{ path: PATH }, { path: PATH }]);
    expect(deps.sleeps).toEqual([]);
  });

  it('accepts a pin in upper case and among other pins', async () => {
    respond = () => ok(signed());
    const { result } = await run({ caCertHashes: [caCertHash(otherCA.cert), caCertHash(ca.cert).toUpperCase().replace('SHA256:', 'sha256:')] });
    expect(result?.server).toBe(`https://${endpoint}`);
  });

  it('waits through HTTP 503, 403 and 404 and an unsigned cluster-info until the signature appears', async () => {
    const answers = [
      { status: 503, body: '{"kind":"Status","message":"etcd not ready"}' },
      { status: 403, body: '{"kind":"Status","message":"configmaps \\"cluster-info\\" is forbidden"}' },
      { status: 404, body: '' },
      ok(configMap({ kubeconfig })),
      ok(configMap({ kubeconfig, 'jws-kubeconfig-zzzzzz': 'x..y' })),
    ];
    respond = (i) => answers[i] ?? ok(signed());
    const { result, deps } = await run();
    expect(result?.kubeconfig).toBe(kubeconfig);
    expect(requests).toHaveLength(answers.length + 2);
    // Capped exponential backoff with (fixed) jitter 75%: 500, 1000, 2000, 4000, 5000 ms times 0.75.
    expect(deps.sleeps).toEqual([375, 750, 1500, 3000, 3750]);
    const waits = deps.logs.filter((l) => l.includes('retrying in'));
    expect(waits).toHaveLength(5);
    expect(waits[0]).toMatch(/^\[discovery\] GET https:\/\/127\.0\.0\.1:\d+\/api\/v1\/namespaces\/kube-public\/configmaps\/cluster-info answered HTTP 503: etcd not ready; retrying in 0\.4s$/);
    expect(waits[3]).toBe(`[discovery] cluster-info has no JWS signature for token id ${TOKEN_ID} yet; retrying in 3.0s`);
  });

  it('retries while nothing listens on the endpoint and then times out naming the last error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const { error, deps } = await run({ apiServerEndpoint: `127.0.0.1:${port}`, timeoutSeconds: 10 });
    expect(error?.reason).toBe('timeout');
    expect(error?.message).toMatch(new RegExp(`^timed out after 10s reading cluster-info from 127\\.0\\.0\\.1:${port}: could not reach https://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
    expect(deps.sleeps.reduce((a, b) => a + b, 0)).toBe(10_000);
  });

  it('fails with no-signature at the deadline when cluster-info never carries our token id', async () => {
    respond = () => ok(configMap({ kubeconfig, 'jws-kubeconfig-other1': computeDetachedJWS(kubeconfig, 'other1', TOKEN_SECRET) }));
    const { error, deps } = await run({ timeoutSeconds: 30 });
    expect(error?.reason).toBe('no-signature');
    expect(error?.message).toMatch(/^no JWS signature for token id abcdef in cluster-info from 127\.0\.0\.1:\d+ after 30s: the token is unknown to the cluster or expired/);
    expect(error?.tokenId).toBe(TOKEN_ID);
    expect(deps.sleeps.reduce((a, b) => a + b, 0)).toBe(30_000);
    expect(requests.length).toBeGreaterThan(2);
  });

  it('rejects a forged signature at once (jws-invalid), without retrying', async () => {
    respond = () => ok(configMap({ kubeconfig, [`jws-kubeconfig-${TOKEN_ID}`]: computeDetachedJWS(kubeconfig, TOKEN_ID, 'ffffffffffffffff') }));
    const { error, deps } = await run();
    expect(error?.reason).toBe('jws-invalid');
    expect(error?.message).toMatch(/^failed to verify the JWS signature of cluster-info from 127\.0\.0\.1:\d+ for token id abcdef: can't trust this API server/);
    expect(requests).toHaveLength(1);
    expect(deps.sleeps).toEqual([]);
  });

  it('rejects a kubeconfig altered after signing (jws-invalid)', async () => {
    const evil = serializeKubeconfig(buildClusterInfoKubeconfig({ server: `https://${endpoint}`, caCertPem: otherCA.cert }));
    respond = () => ok(configMap({ kubeconfig: evil, [`jws-kubeconfig-${TOKEN_ID}`]: computeDetachedJWS(kubeconfig, TOKEN_ID, TOKEN_SECRET) }));
    expect((await run()).error?.reason).toBe('jws-invalid');
  });

  it('refuses a CA that matches no pin, naming both hashes (pin-mismatch)', async () => {
    respond = () => ok(signed());
    const pin = caCertHash(otherCA.cert);
    const { error } = await run({ caCertHashes: [pin] });
    expect(error?.reason).toBe('pin-mismatch');
    expect(error?.message).toContain(`has public-key hash ${caCertHash(ca.cert)}, which matches none of the pinned ${pin}: possible man-in-the-middle`);
    expect(requests).toHaveLength(1);
  });

  it('fails when the verified second read returns a different kubeconfig (refetch-differs)', async () => {
    const changed = kubeconfig.replace(`https://${endpoint}`, 'https://10.0.0.1:6443');
    respond = (i) => ok(signed(i === 0 ? kubeconfig : changed));
    const { error } = await run();
    expect(error?.reason).toBe('refetch-differs');
    expect(error?.message).toMatch(/^the second cluster-info from 127\.0\.0\.1:\d+ \(over TLS verified against the pinned CA\) has a different kubeconfig than the first/);
    expect(requests).toHaveLength(2);
  });

  it('does not trust a server whose certificate the pinned CA did not sign on the verified read', async () => {
    // cluster-info names (and signs) otherCA, which is pinned; the server's certificate comes from `ca`.
    const foreign = serializeKubeconfig(buildClusterInfoKubeconfig({ server: `https://${endpoint}`, caCertPem: otherCA.cert }));
    respond = () => ok(signed(foreign));
    const { error } = await run({ caCertHashes: [caCertHash(otherCA.cert)], timeoutSeconds: 5 });
    expect(error?.reason).toBe('timeout');
    expect(error?.message).toMatch(/over TLS verified against the pinned CA: could not reach .*(unable to verify|self.signed|certificate)/i);
  });

  it.each([
    ['two clusters', kubeconfigWith((k) => ({ ...k, clusters: [k.clusters[0], { ...k.clusters[0], name: 'b' }] })), /found 2 clusters/],
    ['no server', kubeconfigWith((k) => ({ ...k, clusters: [{ name: '', cluster: { 'certificate-authority-data': k.clusters[0].cluster['certificate-authority-data'] } }] })), /server is undefined/],
    ['no CA data', kubeconfigWith((k) => ({ ...k, clusters: [{ name: '', cluster: { server: 'https://x:6443' } }] })), /no certificate-authority-data/],
    ['CA data that is no certificate', kubeconfigWith((k) => ({ ...k, clusters: [{ name: '', cluster: { server: 'https://x:6443', 'certificate-authority-data': 'bm90IGEgY2VydA==' } }] })), /could not read the cluster CA/],
    ['not YAML', () => '{{{', /not valid YAML/],
  ])('reports a malformed signed kubeconfig (%s) as bad-cluster-info', async (_name, make, message) => {
    respond = () => ok(signed(make()));
    const { error } = await run();
    expect(error?.reason).toBe('bad-cluster-info');
    expect(error?.message).toMatch(message);
  });

  it.each([
    ['a malformed token', { token: 'abcdef:0123456789abcdef' }, /not of the form/],
    ['no pin', { caCertHashes: [] }, /no CA pin/],
    ['a pin that is not sha256 hex', { caCertHashes: ['md5:abcd'] }, /"md5:abcd"/],
  ])('refuses %s before any request (bad-config)', async (_name, over, message) => {
    respond = () => ok(signed());
    const { error } = await run(over);
    expect(error?.reason).toBe('bad-config');
    expect(error?.message).toMatch(message);
    expect(requests).toHaveLength(0);
  });

  it('never puts the token secret in a log line or error (checked over every test in afterAll)', async () => {
    respond = () => ok(configMap({ kubeconfig, [`jws-kubeconfig-${TOKEN_ID}`]: 'garbage' }));
    const { error, deps } = await run();
    expect(error?.reason).toBe('jws-invalid');
    expect([error!.message, ...deps.logs].join('\n')).not.toContain(TOKEN_SECRET);
  });
});

function kubeconfigWith(edit: (k: { clusters: Array<{ name: string; cluster: Record<string, string> }> } & Record<string, unknown>) => unknown): () => string {
  return () => {
    const base = buildClusterInfoKubeconfig({ server: `https://${endpoint}`, caCertPem: ca.cert }) as unknown as Parameters<typeof edit>[0];
    return serializeKubeconfig(edit(base) as never);
  };
}
