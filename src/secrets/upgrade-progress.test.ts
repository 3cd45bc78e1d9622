import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readUpgradeProgress, writeUpgradeProgress, type UpgradeProgress } from './upgrade-progress.js';

describe('upgrade.yaml', () => {
  it('round-trips the progress, written 0644 (nothing secret); no file means no upgrade started', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kgen-upgrade-progress-'));
    expect(readUpgradeProgress(dir)).toBeUndefined();
    const progress: UpgradeProgress = {
      target: 'v1.34.1',
      startedAt: '2026-12-05T11:00:00Z',
      snapshot: { file: '/state/backups/etcd.db', takenAt: '2026-12-05T11:00:05Z' },
      upgraded: ['cp1'],
      inFlight: { role: 'control-plane', nodes: ['cp2'], stage: 'replaced', since: '2026-12-05T11:03:00Z' },
    };
    writeUpgradeProgress(dir, progress);
    expect(readUpgradeProgress(dir)).toEqual(progress);
    expect(statSync(join(dir, 'upgrade.yaml')).mode & 0o777).toBe(0o644);
    expect(readFileSync(join(dir, 'upgrade.yaml'), 'utf8')).not.toContain('finishedAt');
  });

  it.each([
    ['a target that is not a version', 'target: latest\nstartedAt: 2026-12-05T11:00:00Z\n', 'target must be a version'],
    ['no startedAt', 'target: v1.34.1\n', 'startedAt must be an RFC 3339 time'],
    ['an unknown stage', 'target: v1.34.1\nstartedAt: 2026-12-05T11:00:00Z\ninFlight: {role: worker, nodes: [w1], stage: halfway}\n', 'inFlight needs role'],
  ])('rejects %s, naming the file and what to do', (_, text, message) => {
    const dir = mkdtempSync(join(tmpdir(), 'kgen-upgrade-progress-'));
    writeFileSync(join(dir, 'upgrade.yaml'), text);
    expect(() => readUpgradeProgress(dir)).toThrow(message);
    expect(() => readUpgradeProgress(dir)).toThrow(`${join(dir, 'upgrade.yaml')}: `);
  });
});
