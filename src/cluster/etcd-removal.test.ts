import { describe, expect, it } from 'vitest';
import type { EtcdMember } from './etcd-client.js';
import { findMember, judgeRemoval, type MemberHealth } from './etcd-removal.js';

const member = (n: number, more: Partial<EtcdMember> = {}): EtcdMember => ({
  id: String(n),
  name: `cp${n}`,
  peerURLs: [`https://10.0.0.${n}:2380`],
  clientURLs: [`https://10.0.0.${n}:2379`],
  isLearner: false,
  ...more,
});
const health = (up: boolean[], more: Array<Partial<EtcdMember>> = []): MemberHealth[] => up.map((healthy, i) => ({ member: member(i + 1, more[i]), healthy }));

describe('findMember', () => {
  const members = [member(1), member(2, { name: '' }), member(3)];
  it.each([
    { what: 'by peer URL, even unstarted (no name)', node: { name: 'cp2', peerURL: 'https://10.0.0.2:2380' }, id: '2' },
    { what: 'by name when the address changed', node: { name: 'cp3', peerURL: 'https://10.9.9.9:2380' }, id: '3' },
    { what: 'none when neither matches', node: { name: 'cp9', peerURL: 'https://10.0.0.9:2380' }, id: undefined },
  ])('$what', ({ node, id }) => {
    expect(findMember(members, node)?.id).toBe(id);
  });
});

describe('judgeRemoval', () => {
  it.each([
    { what: 'three healthy, remove one', members: health([true, true, true]), target: 1, refusals: 0 },
    { what: 'target down, the two others healthy', members: health([false, true, true]), target: 1, refusals: 0 },
    { what: 'target and another down: another unhealthy, no quorum now nor after', members: health([false, false, true]), target: 1, refusals: 3 },
    { what: 'two members, target down: no quorum to commit the removal', members: health([false, true]), target: 1, refusals: 1 },
    { what: 'target healthy, another down: the remaining two lose quorum too', members: health([true, false, true]), target: 1, refusals: 2 },
    { what: 'member already gone, the rest healthy', members: health([true, true]), target: undefined, refusals: 0 },
    { what: 'an unstarted learner counts as unhealthy', members: health([false, true, true, false], [{}, {}, {}, { isLearner: true, name: '', clientURLs: [] }]), target: 1, refusals: 1 },
  ])('$what: $refusals refusal(s)', ({ members, target, refusals }) => {
    const t = target === undefined ? undefined : members[target - 1]!.member;
    const verdict = judgeRemoval(members, t);
    expect(verdict.refusals).toHaveLength(refusals);
    expect(verdict.impossible).toBeUndefined();
  });

  it('names the members that are down and the quorum it needs', () => {
    const members = health([false, false, true]);
    expect(judgeRemoval(members, members[0]!.member).refusals).toEqual([
      'etcd member cp2 (https://10.0.0.2:2380) is not healthy',
      'etcd has no quorum now: 1 of 3 voting members are healthy, 2 are needed to commit the removal',
      'only 1 of the 2 voting members that would remain are healthy (cp2: down, cp3: healthy); etcd needs 2 for quorum',
    ]);
  });

  it('never removes the only voting member', () => {
    const members = health([true]);
    expect(judgeRemoval(members, members[0]!.member).impossible).toMatch(/only voting member/);
  });
});
