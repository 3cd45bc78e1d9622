// Taking a control-plane node's member out of stacked etcd safely: find it (by peer URL https://<address>:2380,
// else by name, as kubeadm reset's remove-etcd-member phase does: cmd/kubeadm/app/cmd/phases/reset/
// removeetcdmember.go and cmd/kubeadm/app/util/etcd/etcd.go RemoveMember), check the health of every other
// member (GET /health, as etcdctl endpoint health), and decide whether the removal is safe. The quorum rule is
// etcd's own strict reconfiguration check (server/etcdserver/server.go mayRemoveMember): the removal needs a
// quorum of today's voting members, and after it the healthy voting members must still be a majority of those
// that remain.
import { EtcdError, type EtcdClient, type EtcdMember } from './etcd-client.js';

export interface MemberHealth {
  member: EtcdMember;
  healthy: boolean;
}

export interface RemovalCheck {
  /** The node's member; undefined when it is not (or no longer) in the cluster. */
  target?: EtcdMember;
  /** Every member with its health, the target included. */
  members: MemberHealth[];
  /** Why removing the target is unsafe (empty: safe); `--force` may override these. */
  refusals: string[];
  /** Why removing it is impossible whatever the operator says (the last voting member, no member list). */
  impossible?: string;
}

/** How messages name a member: its name (or "(unstarted)") and peer URLs. */
export function describeMember(m: EtcdMember): string {
  return `${m.name || '(unstarted)'} (${m.peerURLs.join(', ') || 'no peer URL'})`;
}

/** The node's member: the one advertising its peer URL, else the one with its name. */
export function findMember(members: readonly EtcdMember[], node: { name: string; peerURL: string }): EtcdMember | undefined {
  return members.find((m) => m.peerURLs.includes(node.peerURL)) ?? members.find((m) => m.name === node.name);
}

/** What makes the removal of `target` from `members` unsafe (pure; `target` undefined: nothing is removed). */
export function judgeRemoval(members: readonly MemberHealth[], target: EtcdMember | undefined): Pick<RemovalCheck, 'refusals' | 'impossible'> {
  const others = members.filter((h) => h.member.id !== target?.id);
  const refusals = others.filter((h) => !h.healthy).map((h) => `etcd member ${describeMember(h.member)}${h.member.isLearner ? ', a learner,' : ''} is not healthy`);
  const voters = others.filter((h) => !h.member.isLearner);
  if (target && !target.isLearner && voters.length === 0) {
    return { refusals, impossible: `etcd member ${describeMember(target)} is the only voting member: removing it would destroy the cluster's data` };
  }
  // The removal itself is a write: it needs a quorum of today's voting members, the target included.
  const current = members.filter((h) => !h.member.isLearner);
  const currentQuorum = Math.floor(current.length / 2) + 1;
  const healthyNow = current.filter((h) => h.healthy).length;
  if (healthyNow < currentQuorum) {
    refusals.push(`etcd has no quorum now: ${healthyNow} of ${current.length} voting members are healthy, ${currentQuorum} are needed to commit the removal`);
  }
  const quorum = Math.floor(voters.length / 2) + 1;
  const healthyVoters = voters.filter((h) => h.healthy).length;
  if (healthyVoters < quorum) {
    refusals.push(
      `only ${healthyVoters} of the ${voters.length} voting members that would remain are healthy (${voters.map((h) => `${h.member.name || h.member.id}: ${h.healthy ? 'healthy' : 'down'}`).join(', ')}); ` +
        `etcd needs ${quorum} for quorum`,
    );
  }
  return { refusals };
}

/** Every member with the health of its first client URL (GET /health); throws EtcdError when no member answers the list. */
export async function memberHealth(client: EtcdClient): Promise<MemberHealth[]> {
  const list = await client.memberList();
  return Promise.all(list.map(async (member) => ({ member, healthy: member.clientURLs.length > 0 && (await client.health(member.clientURLs[0])) })));
}

/** Lists the members, checks each one's health over its first client URL and judges the removal. */
export async function checkMemberRemoval(client: EtcdClient, node: { name: string; peerURL: string }): Promise<RemovalCheck> {
  let members: MemberHealth[];
  try {
    members = await memberHealth(client);
  } catch (err) {
    if (!(err instanceof EtcdError)) throw err;
    // The member list is a linearizable read: without a quorum no member answers it.
    const impossible = `no etcd member answered the member list (${client.endpoints.join(', ')}): ${err.message}; etcd may have lost quorum, bring its members back first`;
    return { members: [], refusals: [], impossible };
  }
  const target = findMember(members.map((h) => h.member), node);
  return { target, members, ...judgeRemoval(members, target) };
}
