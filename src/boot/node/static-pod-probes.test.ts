// The restart's waits against a real peer: an HTTP health server on 127.0.0.1 that goes away while its manifest
// is out of the manifests directory and comes back when it returns (a stand-in kubelet polling the directory),
// probed through the same probe and HTTPS/HTTP transport (undici) kgen-boot uses on a node, on the real clock
// with short limits. No assertion on elapsed time.
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { httpsTransport } from '../../cluster/https-transport.js';
import { createHost } from '../host.js';
import { httpProbe } from './static-pod-probes.js';
import { StaticPodTimeoutError, restartStaticPods } from './static-pod-restart.js';

const TIMINGS = { totalMs: 8_000, stopWaitMs: 3_000, pollMs: 50, probeMs: 1_000 };

interface FakeKubelet {
  port: number;
  /** Times the server stopped and started again. */
  events: string[];
  stop(): Promise<void>;
}

/** Serves GET /healthz 200 on 127.0.0.1 while `manifest` exists; `comeBack: false` keeps it away once stopped. */
async function fakeKubelet(manifest: string, options: { comeBack?: boolean } = {}): Promise<FakeKubelet> {
  const events: string[] = [];
  let server: Server | undefined;
  let port = 0;
  const start = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((req, res) => res.writeHead(req.url === '/healthz' ? 200 : 404).end('ok'));
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
      const present = existsSync(manifest);
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

function nodeRoot(): { root: string; manifest: string } {
  const root = mkdtempSync(join(tmpdir(), 'kgen-restart-peer-'));
  mkdirSync(join(root, 'etc/kubernetes/manifests'), { recursive: true });
  const manifest = join(root, 'etc/kubernetes/manifests/kube-controller-manager.yaml');
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
    expect(err).toBeInstanceOf(StaticPodTimeoutError);
    expect(err.message).toContain(`kube-controller-manager did not answer healthy at http://127.0.0.1:${kubelet.port}/healthz`);
    expect(kubelet.events).toEqual(['stopped']);
    expect(existsSync(manifest)).toBe(true);
  });
});
