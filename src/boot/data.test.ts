import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toYaml } from '../yaml.js';
import type { TransportRequest, TransportResponse } from '../cluster/api-client.js';
import { createHost, type Clock } from './host.js';
import { createLogger } from './log.js';
import { configFor } from './test-fixtures.js';
import { createBootData } from './data.js';

const kubeconfig = (token: string) =>
  toYaml({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'demo', cluster: { server: 'https://10.0.0.10:6443', 'certificate-authority-data': Buffer.from('CA').toString('base64') } }],
    users: [{ name: 'u', user: { token } }],
    contexts: [{ name: 'u@demo', context: { cluster: 'demo', user: 'u' } }],
    'current-context': 'u@demo',
  });

const status = (code: number, reason: string) => ({ status: code, body: JSON.stringify({ kind: 'Status', reason, message: reason }) });

describe('BootData.admin', () => {
  it('waits for /livez, then creates kubeadm:cluster-admins with super-admin.conf when admin.conf is not yet bound', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kgen-data-'));
    const sleeps: number[] = [];
    const clock: Clock = { now: () => new Date(0), sleep: async (ms) => void sleeps.push(ms) };
    const host = createHost({ root, clock });
    await host.writeFile('/etc/kubernetes/admin.conf', kubeconfig('admin-token'));
    await host.writeFile('/etc/kubernetes/super-admin.conf', kubeconfig('super-token'));
    const seen: string[] = [];
    let livez = 0;
    const data = createBootData({
      config: configFor('init'),
      host,
      log: createLogger({ stdout: () => undefined, clock }),
      timeouts: { controlPlaneMs: 60_000, apiObjectMs: 60_000, pollMs: 500 },
      transport: (tls) => async (req: TransportRequest): Promise<TransportResponse> => {
        const who = tls.credentials.kind === 'token' ? tls.credentials.token : 'anonymous';
        seen.push(`${who} ${req.method} ${req.path}`);
        if (req.path === '/livez') return livez++ < 2 ? { status: 503, body: 'etcd not ready' } : { status: 200, body: 'ok' };
        if (who === 'admin-token') return status(403, 'Forbidden');
        return { status: 201, body: req.body ?? '{}' };
      },
    });
    const admin = await data.admin();
    expect(admin.server).toBe('https://10.0.0.10:6443');
    expect(seen).toEqual([
      'admin-token GET /livez',
      'admin-token GET /livez',
      'admin-token GET /livez',
      'admin-token GET /apis/rbac.authorization.k8s.io/v1/clusterrolebindings/kubeadm:cluster-admins',
      'super-token POST /apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
    ]);
    expect(sleeps).toEqual([500, 500]);
    expect(await data.admin()).toBe(admin);
    expect(seen).toHaveLength(5);
  });

  it('on a joining control-plane node uses admin.conf as it is: a 403 from a server still starting is waited out and logged, super-admin.conf never read', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kgen-data-'));
    const sleeps: number[] = [];
    const clock: Clock = { now: () => new Date(sleeps.reduce((a, b) => a + b, 0)), sleep: async (ms) => void sleeps.push(ms) };
    const host = createHost({ root, clock });
    await host.writeFile('/etc/kubernetes/admin.conf', kubeconfig('admin-token'));
    const seen: string[] = [];
    const lines: string[] = [];
    let patches = 0;
    const data = createBootData({
      config: configFor('control-plane-join'),
      host,
      log: createLogger({ stdout: (t) => void lines.push(t.trimEnd()), clock }),
      timeouts: { controlPlaneMs: 60_000, apiObjectMs: 60_000, pollMs: 500 },
      transport: (tls) => async (req: TransportRequest): Promise<TransportResponse> => {
        seen.push(`${tls.credentials.kind === 'token' ? tls.credentials.token : 'anonymous'} ${req.method} ${req.path}`);
        if (req.path === '/livez') return { status: 200, body: 'ok' };
        // The first two answers come from an API server whose authorization caches are not loaded yet.
        return patches++ < 2 ? status(403, 'Forbidden') : { status: 200, body: JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'cp2' } }) };
      },
    });
    const admin = await data.admin();
    await admin.patch({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'cp2' } }, { metadata: { labels: { a: 'b' } } }, 'merge');
    expect(seen).toEqual(['admin-token GET /livez', ...Array(3).fill('admin-token PATCH /api/v1/nodes/cp2')]);
    expect(lines.filter((l) => l.startsWith('[apiclient]'))).toHaveLength(2);
    expect(lines[0]).toMatch(/^\[apiclient\] PATCH https:\/\/10\.0\.0\.10:6443\/api\/v1\/nodes\/cp2 answered HTTP 403 Forbidden: Forbidden; retrying in \d\.\ds \(0\.0s so far\)$/);
    expect(await host.exists('/etc/kubernetes/super-admin.conf')).toBe(false);
  });

  it('names the missing kubeconfig and the phase that writes it', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kgen-data-'));
    const data = createBootData({
      config: configFor('init'),
      host: createHost({ root }),
      log: createLogger({ stdout: () => undefined, clock: { now: () => new Date(0), sleep: async () => undefined } }),
      transport: () => async () => ({ status: 200, body: '{}' }),
    });
    await expect(data.admin()).rejects.toThrow('/etc/kubernetes/admin.conf does not exist; expected the kubeconfig phase to have written it (run `kgen-boot phase kubeconfig`)');
  });
});
