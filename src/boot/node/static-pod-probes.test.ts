// The restart's waits against a real peer: an HTTP health server on 127.0.0.1 that goes away while its manifest
// is out of the manifests directory and comes back when it returns (a stand-in kubelet polling the directory),
// probed through the same probe and HTTPS/HTTP transport (undici) kgen-boot uses on a node, on the real clock
// with short limits; and an HTTPS one that loads its certificate from the node's files each time it starts, so a
// restart is what makes it serve a renewed certificate (servesRenewed, checked in the TLS handshake). No
// assertion on elapsed time.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { httpsTransport } from '../../cluster/https-transport.js';
import { createHost } from '../host.js';
import { createCA, createCertAndKey } from '../../pki/index.js';
import type { CertKeyPair } from '../../pki/types.js';
import { fromPem } from '../../pki/pem.js';
import { servedCertificate } from '../../cluster/served-certificate.js';
import { httpProbe, servesCertificateFile } from './static-pod-probes.js';
import { StaticPodRestartError, restartStaticPods } from './static-pod-restart.js';

const TIMINGS = { totalMs: 8_000, stopWaitMs: 3_000, pollMs: 50, probeMs: 1_000 };

interface FakeKubelet {
  port: number;
  /** Times the server stopped and started again. */
  events: string[];
  stop(): Promise<void>;
}

/**
 * Serves GET /healthz and /livez 200 on 127.0.0.1 while `manifest` exists; `comeBack: false` keeps it away once
 * stopped, `ignoresManifest` keeps it running whatever the manifest does. With `tls` (node paths under `root`)
 * it serves HTTPS with the certificate and key those files hold when it starts.
 */
async function fakeKubelet(
  manifest: string,
  options: { comeBack?: boolean; ignoresManifest?: boolean; tls?: { root: string; cert: string; key: string } } = {},
): Promise<FakeKubelet> {
  const events: string[] = [];
  let server: Server | undefined;
  let port = 0;
  const handler: RequestListener = (req, res) => res.writeHead(req.url === '/healthz' || req.url === '/livez' ? 200 : 404).end('ok');
  const { tls } = options;
  const start = () =>
    new Promise<void>((resolve, reject) => {
      const s = tls ? createHttpsServer({ cert: readFileSync(join(tls.root, tls.cert)), key: readFileSync(join(tls.root, tls.key)) }, handler) : createServer(handler);
      s.once('error', reject);
      s.listen({ port, host: '127.0.0.1' }, () => {
        port = (s.address() as AddressInfo).port;
        server = s;
        resolve();
      });
    });
  const halt = () =>
    new Promise<void>((resolve) => {
      const s = server!;
      server = undefined;
      s.close(() => resolve());
      s.closeAllConnections();
    });
  await start();
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      const present = options.ignoresManifest || existsSync(manifest);
      if (!present && server) {
        await halt();
        events.push('stopped');
      } else if (present && !server && (options.comeBack ?? true)) {
        await start();
        events.push('started');
      }
    } catch (err) {
      events.push(`failed: ${(err as Error).message}`);
    } finally {
      busy = false;
    }
  }, 20);
  return {
    port,
    events,
    stop: async () => {
      clearInterval(timer);
      if (server) await halt();
    },
  };
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function nodeRoot(pod = 'kube-controller-manager'): { root: string; manifest: string } {
  const root = mkdtempSync(join(tmpdir(), 'kgen-restart-peer-'));
  mkdirSync(join(root, 'etc/kubernetes/manifests'), { recursive: true });
  const manifest = join(root, `etc/kubernetes/manifests/${pod}.yaml`);
  writeFileSync(manifest, 'kind: Pod\n');
  return { root, manifest };
}

describe('restarting against a real health server', () => {
  it('waits for the server to go away, moves the manifest back, and waits for it to answer again', async () => {
    const { root, manifest } = nodeRoot();
    const kubelet = await fakeKubelet(manifest);
    cleanups.push(kubelet.stop);
    const probe = httpProbe({ name: 'kube-controller-manager', server: `http://127.0.0.1:${kubelet.port}`, path: '/healthz' }, (tls) => httpsTransport(tls));
    expect(await probe.healthy()).toBe(true);
    const lines: string[] = [];
    const restarted = await restartStaticPods(['kube-controller-manager'], { host: createHost({ root }), probes: { 'kube-controller-manager': probe }, log: (l) => lines.push(l), timings: TIMINGS });
    expect(restarted).toEqual(['kube-controller-manager']);
    expect(kubelet.events).toEqual(['stopped', 'started']);
    expect(lines).toContain('[restart] kube-controller-manager stopped');
    expect(lines.at(-1)).toMatch(/^\[restart\] kube-controller-manager is healthy after [\d.]+s$/);
    expect(existsSync(manifest)).toBe(true);
    expect(await probe.healthy()).toBe(true);
  });

  it('times out when the server does not come back, with the manifest back in place', async () => {
    const { root, manifest } = nodeRoot();
    const kubelet = await fakeKubelet(manifest, { comeBack: false });
    cleanups.push(kubelet.stop);
    const probe = httpProbe({ name: 'kube-controller-manager', server: `http://127.0.0.1:${kubelet.port}`, path: '/healthz' }, (tls) => httpsTransport(tls));
    const err = await restartStaticPods(['kube-controller-manager'], { host: createHost({ root }), probes: { 'kube-controller-manager': probe }, log: () => undefined, timings: { ...TIMINGS, totalMs: 1_500 } }).catch((e) => e);
    expect(err).toBeInstanceOf(StaticPodRestartError);
    expect(err.message).toContain(`kube-controller-manager did not answer healthy at http://127.0.0.1:${kubelet.port}/healthz`);
    expect(kubelet.events).toEqual(['stopped']);
    expect(existsSync(manifest)).toBe(true);
  });
});

describe('a restarted kube-apiserver serves the renewed certificate', () => {
  const CERT = '/etc/kubernetes/pki/apiserver.crt';
  const KEY = '/etc/kubernetes/pki/apiserver.key';
  let ca: CertKeyPair;
  const issue = async () => createCertAndKey({ commonName: 'kube-apiserver', dnsNames: ['localhost'], ips: ['127.0.0.1'], usages: ['serverAuth'], validityHours: 1, algorithm: 'ECDSA-P256' }, ca);

  /** A node root with the apiserver's certificate, an HTTPS server started with it, then the files renewed. */
  async function renewedNode(options: { ignoresManifest?: boolean } = {}) {
    ca ??= await createCA({ commonName: 'kubernetes', algorithm: 'ECDSA-P256', validityHours: 1 });
    const { root, manifest } = nodeRoot('kube-apiserver');
    mkdirSync(join(root, 'etc/kubernetes/pki'), { recursive: true });
    const write = (pair: CertKeyPair) => {
      writeFileSync(join(root, CERT), pair.cert);
      writeFileSync(join(root, KEY), pair.key);
    };
    const before = await issue();
    write(before);
    const kubelet = await fakeKubelet(manifest, { ...options, tls: { root, cert: CERT, key: KEY } });
    cleanups.push(kubelet.stop);
    const server = `https://127.0.0.1:${kubelet.port}`;
    expect(await servedCertificate(server, undefined, 2_000)).toEqual(fromPem(before.cert, 'CERTIFICATE', 'test'));
    write(await issue());
    const host = createHost({ root });
    const probe = { ...httpProbe({ name: 'kube-apiserver', server, path: '/livez' }, (tls) => httpsTransport(tls)), servesRenewed: servesCertificateFile(host, server, CERT) };
    return { host, probe, kubelet, server, renewed: readFileSync(join(root, CERT), 'utf8') };
  }

  it('passes once the server came back with the files on disk', async () => {
    const { host, probe, kubelet, server, renewed } = await renewedNode();
    expect(await probe.healthy()).toBe(true);
    expect(await probe.servesRenewed()).toBe(false);
    const restarted = await restartStaticPods(['kube-apiserver'], { host, probes: { 'kube-apiserver': probe }, log: () => undefined, timings: TIMINGS });
    expect(restarted).toEqual(['kube-apiserver']);
    expect(kubelet.events).toEqual(['stopped', 'started']);
    expect(await servedCertificate(server, undefined, 2_000)).toEqual(fromPem(renewed, 'CERTIFICATE', 'test'));
  });

  it('fails, naming the old certificate, when the server answers on but was never restarted', async () => {
    const { host, probe, kubelet } = await renewedNode({ ignoresManifest: true });
    const lines: string[] = [];
    const err = await restartStaticPods(['kube-apiserver'], { host, probes: { 'kube-apiserver': probe }, log: (l) => lines.push(l), timings: { ...TIMINGS, stopWaitMs: 1_000, totalMs: 3_000 } }).catch((e) => e);
    expect(lines).toContain(`[restart] WARNING: https://127.0.0.1:${kubelet.port}/livez still answered after 1s: kube-apiserver may not have restarted`);
    expect(err).toBeInstanceOf(StaticPodRestartError);
    expect(err.message).toBe(`kube-apiserver answers at https://127.0.0.1:${kubelet.port}/livez but did not serve the renewed certificate within the 3s restart budget`);
    expect(kubelet.events).toEqual([]);
  });
});
