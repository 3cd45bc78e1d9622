import { describe, expect, it } from 'vitest';
import type { MemberHealth } from '../cluster/etcd-removal.js';
import { etcdHealth, expiryViolations } from './health.js';

const HOUR = 3_600_000;
const expiry = (name: string, hoursLeft: number) => ({ name, notAfter: new Date(Date.UTC(2026, 0, 1) + hoursLeft * HOUR), residualMs: hoursLeft * HOUR });

describe('expiryViolations', () => {
  it('refuses what expires within the window, or has expired, and nothing else', () => {
    const found = expiryViolations([expiry('ca', 87_600), expiry('cp1/apiserver', 100), expiry('cp2/etcd-server', -2), expiry('cp3/apiserver', 168)], 168 * HOUR);
    expect(found.map((v) => [v.rule, v.message.split(',')[0]])).toEqual([
      ['certificate-expiry', 'cp1/apiserver expires at 2026-01-05T04:00:00.000Z'],
      ['certificate-expiry', 'cp2/etcd-server expired at 2025-12-31T22:00:00.000Z'],
    ]);
    expect(found[0]!.message).toContain('within the upgrade window (168h): renew it first');
  });
});

const member = (id: string, name: string, isLearner: boolean, healthy: boolean): MemberHealth => ({
  member: { id, name, peerURLs: [`https://10.0.0.${id}:2380`], clientURLs: [`https://10.0.0.${id}:2379`], isLearner },
  healthy,
});

describe('etcdHealth', () => {
  it('lists every member and refuses one that is down or still a learner', () => {
    const { lines, violations } = etcdHealth([member('11', 'cp1', false, true), member('12', 'cp2', false, false), member('13', '', true, true)]);
    expect(lines).toEqual([
      'etcd member b cp1 (https://10.0.0.11:2380): voting, healthy',
      'etcd member c cp2 (https://10.0.0.12:2380): voting, not healthy',
      'etcd member d (unstarted) (https://10.0.0.13:2380): learner, healthy',
    ]);
    expect(violations.map((v) => v.rule)).toEqual(['etcd-health', 'etcd-health']);
    expect(violations[0]!.message).toBe('etcd member cp2 (https://10.0.0.12:2380) is not healthy: bring it back (or kgen replace its node) before upgrading');
    expect(violations[1]!.message).toContain('is a learner (a join did not finish)');
  });
});
