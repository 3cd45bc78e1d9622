// What must hold before (and during) a rollout besides the version skew: no certificate the rollout relies on
// expires within the upgrade window (the talk this project grew from: certificates expiring in the middle of an
// upgrade; kubeadm renews them during `upgrade apply`, cmd/kubeadm/app/phases/upgrade/staticpods.go
// renewCertsByComponent, while a reimage renews only the machine it reimages), and every stacked etcd member
// is healthy (kubeadm's upgrade preflight: cmd/kubeadm/app/phases/upgrade/health.go CheckClusterHealth, and
// util/etcd/etcd.go CheckClusterHealth). Pure judgements over what src/cli gathered.
import { describeMember, type MemberHealth } from '../cluster/etcd-removal.js';
import { memberIdHex } from '../cluster/etcd-client.js';

export interface HealthViolation {
  rule: 'certificate-expiry' | 'etcd-health';
  message: string;
}

export interface Expiry {
  name: string;
  notAfter: Date;
  residualMs: number;
}

/** Certificates (and CAs) whose end of validity falls within `windowMs` from now. */
export function expiryViolations(expiries: readonly Expiry[], windowMs: number): HealthViolation[] {
  const hours = Math.round(windowMs / 3_600_000);
  return expiries
    .filter((e) => e.residualMs < windowMs)
    .map((e) => ({
      rule: 'certificate-expiry' as const,
      message:
        `${e.name} ${e.residualMs < 0 ? 'expired' : 'expires'} at ${e.notAfter.toISOString()}, within the upgrade window (${hours}h): ` +
        'renew it first (`kgen replace` of that node issues new certificates at its first boot; a CA needs a rotation), or shorten --window',
    }));
}

/** One line per etcd member, and a violation for each member that is down or still a learner. */
export function etcdHealth(members: readonly MemberHealth[]): { lines: string[]; violations: HealthViolation[] } {
  const lines = members.map((h) => `etcd member ${memberIdHex(h.member.id)} ${describeMember(h.member)}: ${h.member.isLearner ? 'learner' : 'voting'}, ${h.healthy ? 'healthy' : 'not healthy'}`);
  const violations = members
    .filter((h) => !h.healthy || h.member.isLearner)
    .map((h) => ({
      rule: 'etcd-health' as const,
      message: `etcd member ${describeMember(h.member)} is ${h.healthy ? 'a learner (a join did not finish)' : 'not healthy'}: bring it back (or kgen replace its node) before upgrading`,
    }));
  return { lines, violations };
}
