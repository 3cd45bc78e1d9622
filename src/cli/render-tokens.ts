// `kgen render` registers the bootstrap tokens it just made for reimaged nodes in the running cluster itself, as
// `kgen token create` would (src/cluster/bootstrap-tokens.ts ensureToken), with the operator's access from the
// inventory and the state (src/cli/cluster-access.ts). The Secret manifest render wrote stays for an air-gapped
// cluster: a cluster that cannot be reached is a warning that names the file to apply, never a failed render.
import type { CliIO } from '../command/command.js';
import { ApiError, describeConnectionError } from '../cluster/api-client.js';
import { ensureToken } from '../cluster/bootstrap-tokens.js';
import { InvalidInputError } from '../errors.js';
import type { RenderReport } from '../render.js';
import { readJoinToken } from '../secrets/read-state.js';
import { connectCluster, withRights } from './cluster-access.js';

export type NewToken = RenderReport['newTokens'][number];

export interface TokenRegistration extends NewToken {
  /** The token's Secret is in the cluster (created now, or found there). */
  registered: boolean;
  /** Why it is not, when it is not. */
  problem?: string;
}

/**
 * Why the cluster did not take the token, when `err` is the cluster's or the operator's side (unreachable, refused,
 * an API error, a dropped connection); undefined for anything else, which is a kgen bug and still fails the command.
 */
function clusterProblem(err: unknown): string | undefined {
  if (err instanceof InvalidInputError || err instanceof ApiError) return err.message;
  const code = (err as { code?: unknown; cause?: { code?: unknown } }).cause?.code ?? (err as { code?: unknown }).code;
  return typeof code === 'string' ? describeConnectionError(err) : undefined;
}

/** Registers each new token's Secret; a cluster that cannot be reached or refuses leaves the tokens unregistered with the reason. */
export async function registerNewTokens(tokens: NewToken[], site: { nodes: string; state: string }, io: CliIO): Promise<TokenRegistration[]> {
  if (tokens.length === 0) return [];
  const unregistered = (problem: string) => tokens.map((t) => ({ ...t, registered: false, problem }));
  let access;
  try {
    access = await connectCluster(site, io);
  } catch (err) {
    const problem = clusterProblem(err);
    if (problem === undefined) throw err;
    return unregistered(problem);
  }
  const results: TokenRegistration[] = [];
  for (const t of tokens) {
    try {
      await withRights(access, (client) => ensureToken(client, readJoinToken(site.state, t.forNode)));
      results.push({ ...t, registered: true });
    } catch (err) {
      const problem = clusterProblem(err);
      if (problem === undefined) throw err;
      results.push({ ...t, registered: false, problem });
    }
  }
  return results;
}
