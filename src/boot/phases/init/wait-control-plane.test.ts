import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TransportRequest, TransportResponse } from '../../../cluster/api-client.js';
import { createHost, type Clock } from '../../host.js';
import { createLogger } from '../../log.js';
import { configFor } from '../../test-fixtures.js';
import { createBootData } from '../../data.js';
import { waitControlPlanePhase } from './wait-control-plane.js';

/** A clock that moves only when slept on. */
function steppingClock(): Clock {
  let now = 0;
  return { now: () => new Date(now), sleep: async (ms) => void (now += ms) };
}

function setup(answer: (server: string, req: TransportRequest) => TransportResponse) {
  const clock = steppingClock();
  const lines: string[] = [];
  const data = createBootData({
    config: configFor('init'),
    host: createHost({ root: mkdtempSync(join(tmpdir(), 'kgen-wcp-')), clock }),
    log: createLogger({ stdout: (t) => void lines.push(t.trimEnd()), clock }),
    timeouts: { controlPlaneMs: 10_000, apiObjectMs: 10_000, pollMs: 1000 },
    transport: (tls) => async (req) => answer(tls.server, req),
  });
  return { data, lines };
}

describe('wait-control-plane', () => {
  it('checks the kubelet, then each component at its endpoint, and reports how long each took', async () => {
    let apiserverCalls = 0;
    const { data, lines } = setup((server) => (server.endsWith(':6443') && apiserverCalls++ < 3 ? { status: 503, body: '' } : { status: 200, body: 'ok' }));
    await waitControlPlanePhase().run!(data);
    expect(lines.slice(0, 7)).toEqual([
      '[wait-control-plane] Waiting for the kubelet to boot up the control plane as static Pods from directory "/etc/kubernetes/manifests"',
      '[kubelet-check] Waiting for a healthy kubelet at http://127.0.0.1:10248/healthz. This can take up to 10s',
      '[kubelet-check] The kubelet is healthy after 0s',
      '[control-plane-check] Waiting for healthy control plane components. This can take up to 10s',
      '[control-plane-check] Checking kube-apiserver at https://10.0.0.11:6443/livez',
      '[control-plane-check] Checking kube-controller-manager at https://127.0.0.1:10257/healthz',
      '[control-plane-check] Checking kube-scheduler at https://127.0.0.1:10259/livez',
    ]);
    // The components are polled in parallel on one fake clock, so only the order of the reports is fixed.
    const waiting = lines.slice(7).filter((l) => l.includes('] Waiting for kube-apiserver'));
    expect(waiting[0]).toBe(
      '[control-plane-check] Waiting for kube-apiserver at https://10.0.0.11:6443/livez: kube-apiserver check failed at https://10.0.0.11:6443/livez with status: 503 (0.0s so far, up to 10s)',
    );
    expect(lines.slice(7).filter((l) => !waiting.includes(l)).map((l) => l.replace(/after [\d.]+s$/, 'after Ns'))).toEqual([
      '[control-plane-check] kube-controller-manager is healthy after Ns',
      '[control-plane-check] kube-scheduler is healthy after Ns',
      '[control-plane-check] kube-apiserver is healthy after Ns',
    ]);
    expect(apiserverCalls).toBe(4);
  });

  it('names every endpoint that never became healthy and its last error', async () => {
    const { data } = setup((server) => {
      if (server.endsWith(':10257')) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:10257'), { code: 'ECONNREFUSED' });
      if (server.endsWith(':10259')) return { status: 500, body: 'no' };
      return { status: 200, body: 'ok' };
    });
    const err = (await waitControlPlanePhase().run!(data).catch((e: unknown) => e)) as Error;
    expect(err.message).toContain('timed out after 10s waiting for kube-controller-manager at https://127.0.0.1:10257/healthz; last error: connect ECONNREFUSED 127.0.0.1:10257');
    expect(err.message).toContain('timed out after 10s waiting for kube-scheduler at https://127.0.0.1:10259/livez; last error: kube-scheduler check failed at https://127.0.0.1:10259/livez with status: 500');
    expect(err.message).not.toContain('kube-apiserver');
  });
});
