// Bootstrap tokens in a running cluster: list, create and delete their Secrets through the API, as
// `kubeadm token` does (upstream: cmd/kubeadm/app/cmd/token.go RunListTokens / RunCreateToken /
// RunDeleteTokens; cmd/kubeadm/app/apis/bootstraptoken/v1/utils.go BootstrapTokenFromSecret;
// k8s.io/cluster-bootstrap/token/api/types.go for the keys and the group pattern). The Secret itself is
// built by src/cluster/bootstrap-token.ts, the same builder the init node's bootstrap-token phase uses.
import type { ApiClient } from './api-client.js';
import type { BootstrapToken } from '../secrets/types.js';
import { TOKEN_ID_RE, TOKEN_RE, TOKEN_SECRET_RE } from '../secrets/tokens.js';
import { bootstrapTokenSecret, bootstrapTokenSecretName } from './bootstrap-token.js';
import { BOOTSTRAP_TOKEN_SECRET_PREFIX, BOOTSTRAP_TOKEN_SECRET_TYPE, KUBE_SYSTEM } from '../kube/constants.js';
import type { Secret } from '../kube/types.js';
import { InvalidInputError } from '../errors.js';

/** The usages a bootstrap token may carry (bootstrapapi.KnownTokenUsages). */
export const TOKEN_USAGES = ['signing', 'authentication'] as const;
/** auth-extra-groups must match this (bootstrapapi.BootstrapGroupPattern). */
export const TOKEN_GROUP_RE = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;

/** A token as stored in the cluster; `expiration` absent means it never expires. */
export type ClusterToken = Omit<BootstrapToken, 'expiration'> & { expiration?: string };

export interface TokenListing {
  tokens: ClusterToken[];
  /** Bootstrap-token Secrets that are not valid tokens, each with the reason (kubeadm prints and skips them). */
  invalid: string[];
}

const text = (data: Record<string, string>, key: string): string | undefined =>
  data[key] === undefined ? undefined : Buffer.from(data[key]!, 'base64').toString('utf8');

/** BootstrapTokenFromSecret: the token a Secret holds, or the reason it holds none. */
export function tokenFromSecret(secret: Secret): ClusterToken | string {
  const name = secret.metadata.name;
  const data = secret.data ?? {};
  const id = text(data, 'token-id');
  if (id === undefined || !TOKEN_ID_RE.test(id)) return `Secret ${name}: token-id is missing or not [a-z0-9]{6}`;
  if (name !== bootstrapTokenSecretName(id)) return `Secret ${name}: its name does not match token-id "${id}" (expected ${bootstrapTokenSecretName(id)})`;
  const secretPart = text(data, 'token-secret');
  if (secretPart === undefined || !TOKEN_SECRET_RE.test(secretPart)) return `Secret ${name}: token-secret is missing or not [a-z0-9]{16}`;
  const expiration = text(data, 'expiration');
  if (expiration !== undefined && Number.isNaN(Date.parse(expiration))) return `Secret ${name}: expiration "${expiration}" is not an RFC 3339 time`;
  const usages = TOKEN_USAGES.filter((u) => text(data, `usage-bootstrap-${u}`) === 'true');
  const groups = (text(data, 'auth-extra-groups') ?? '').split(',').map((g) => g.trim()).filter(Boolean);
  return { id, secret: secretPart, expiration, usages, groups, description: text(data, 'description') ?? '' };
}

/** Every bootstrap token Secret in kube-system, parsed. */
export async function listTokens(client: ApiClient): Promise<TokenListing> {
  const list = await client.list<Secret>('v1', 'Secret', KUBE_SYSTEM);
  const listing: TokenListing = { tokens: [], invalid: [] };
  for (const secret of list.items) {
    if (secret.type !== BOOTSTRAP_TOKEN_SECRET_TYPE || !secret.metadata.name.startsWith(BOOTSTRAP_TOKEN_SECRET_PREFIX)) continue;
    const parsed = tokenFromSecret(secret);
    if (typeof parsed === 'string') listing.invalid.push(parsed);
    else listing.tokens.push(parsed);
  }
  listing.tokens.sort((a, b) => a.id.localeCompare(b.id));
  return listing;
}

/** Creates the token's Secret; a token with the same id already in the cluster is an error (as kubeadm). */
export async function createToken(client: ApiClient, token: BootstrapToken): Promise<void> {
  if (await client.getIfExists('v1', 'Secret', bootstrapTokenSecretName(token.id), KUBE_SYSTEM)) {
    throw new InvalidInputError(`a bootstrap token with id "${token.id}" already exists in the cluster; choose another token`);
  }
  await client.create(bootstrapTokenSecret(token));
}

/** "abcdef" or "abcdef.0123456789abcdef" to the token id; anything else is an error naming the argument. */
export function tokenIdOf(arg: string): string {
  const full = TOKEN_RE.exec(arg);
  if (full) return full[1]!;
  if (TOKEN_ID_RE.test(arg)) return arg;
  throw new InvalidInputError(`"${arg}" is neither a token id ([a-z0-9]{6}) nor a token ([a-z0-9]{6}.[a-z0-9]{16})`);
}

/** Deletes the token's Secret; a token that is not in the cluster is an error (as kubeadm). */
export async function deleteToken(client: ApiClient, id: string): Promise<void> {
  const name = bootstrapTokenSecretName(id);
  if (!(await client.getIfExists('v1', 'Secret', name, KUBE_SYSTEM))) {
    throw new InvalidInputError(`bootstrap token "${id}" is not in the cluster (no Secret ${KUBE_SYSTEM}/${name}); \`kgen token list\` shows the tokens`);
  }
  await client.delete('v1', 'Secret', name, KUBE_SYSTEM);
}
