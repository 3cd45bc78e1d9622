// `kgen token create|list|delete`: bootstrap tokens in the running cluster, as `kubeadm token` (upstream:
// cmd/kubeadm/app/cmd/token.go; the list table and its cells are humanReadableBootstrapToken's). The cluster
// is reached through src/cli/cluster-access.ts; the API work is src/cluster/bootstrap-tokens.ts.
import { commandGroup, EXIT_OK, parseFlags, parseFlagsAndArguments, UsageError, type Command } from '../command/command.js';
import { flagSeconds, shortHumanDuration } from '../command/durations.js';
import { tabwriterTable } from '../command/table.js';
import { createToken, deleteToken, listTokens, tokenIdOf, TOKEN_GROUP_RE, TOKEN_USAGES, type ClusterToken } from '../cluster/bootstrap-tokens.js';
import { NODE_BOOTSTRAP_TOKEN_AUTH_GROUP } from '../kube/constants.js';
import { caCertHash } from '../pki/index.js';
import { newBootstrapToken, rfc3339, tokenString } from '../secrets/tokens.js';
import type { BootstrapToken } from '../secrets/types.js';
import { ACCESS_FLAGS, ACCESS_HELP, connectCluster, withRights } from './cluster-access.js';

const EXIT_HELP = 'Exit codes: 0 done, 1 invalid input (flags, inventory, state, unreachable cluster, unknown token), 2 internal error.';

/** A comma list flag, repeatable (kubeadm's StringSlice): "a,b" and "--x a --x b" both give [a, b]. */
const commaList = (values: string[]): string[] => values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);

const createCommand: Command = {
  name: 'token create',
  summary: 'create a bootstrap token in the cluster (as kubeadm token create)',
  help: [
    'Usage: kgen token create [--ttl 24h] [--description TEXT] [--usages LIST] [--groups LIST] [--print-join-command]',
    '                         [--kubeconfig FILE | --nodes FILE [--state DIR]]',
    '',
    'Creates a random bootstrap token as Secret kube-system/bootstrap-token-<id> and prints it (or, with',
    '--print-join-command, the `kubeadm join` command that uses it with the cluster CA\'s pin).',
    '',
    'Flags:',
    '  --ttl DUR          lifetime, Go duration syntax; 0 never expires (default: 24h)',
    '  --description TEXT a human-friendly description of the token\'s use',
    `  --usages LIST      comma list of ${TOKEN_USAGES.join(', ')} (default: signing,authentication)`,
    `  --groups LIST      extra groups when it authenticates (default: ${NODE_BOOTSTRAP_TOKEN_AUTH_GROUP}`,
    '                     with the authentication usage, none without);',
    '                     each must match system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]',
    '  --print-join-command',
    '                     print the full `kubeadm join` command instead of the token alone',
    ...ACCESS_HELP,
    '',
    EXIT_HELP,
    '',
    'Example:',
    '  kgen token create --ttl 2h --description "rack 4 workers" --print-join-command',
    '',
  ].join('\n'),
  async run(args, io) {
    const flags = parseFlags(args, {
      ...ACCESS_FLAGS,
      ttl: { type: 'string', default: '24h' },
      description: { type: 'string', default: '' },
      usages: { type: 'string', multiple: true, default: ['signing,authentication'] },
      groups: { type: 'string', multiple: true },
      'print-join-command': { type: 'boolean', default: false },
    });
    const ttlSeconds = flagSeconds('ttl', flags.ttl, { zeroAllowed: true });
    const usages = commaList(flags.usages);
    const unknown = usages.filter((u) => !(TOKEN_USAGES as readonly string[]).includes(u));
    if (unknown.length > 0 || usages.length === 0) throw new UsageError(`--usages: ${unknown.length ? `"${unknown.join(',')}" unknown` : 'empty'}; expected a comma list of ${TOKEN_USAGES.join(', ')}`);
    // The default group only where it means something: a token that authenticates.
    const groups = flags.groups ? commaList(flags.groups) : usages.includes('authentication') ? [NODE_BOOTSTRAP_TOKEN_AUTH_GROUP] : [];
    const badGroup = groups.find((g) => !TOKEN_GROUP_RE.test(g));
    if (badGroup !== undefined) throw new UsageError(`--groups: "${badGroup}" does not match system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]`);
    if (groups.length > 0 && !usages.includes('authentication')) throw new UsageError('--groups needs the "authentication" usage: extra groups only apply when the token authenticates');

    const access = await connectCluster(flags, io);
    const now = new Date();
    const token: BootstrapToken = { ...newBootstrapToken({ now, ttlSeconds, groups, description: flags.description }), usages: usages as BootstrapToken['usages'] };
    if (ttlSeconds === 0) token.expiration = ''; // no expiration key: the token never expires
    await withRights(access, (client) => createToken(client, token));
    if (!flags['print-join-command']) {
      io.stdout(`${tokenString(token)}\n`);
      return EXIT_OK;
    }
    if (!access.caPem) throw new UsageError('--print-join-command needs the cluster CA, and the kubeconfig has none (insecure-skip-tls-verify)');
    const endpoint = new URL(access.server).host;
    io.stdout(`kubeadm join ${endpoint} --token ${tokenString(token)} --discovery-token-ca-cert-hash ${caCertHash(access.caPem)}\n`);
    return EXIT_OK;
  },
};

/** One row as kubeadm prints it: full token, TTL, RFC 3339 expiry, sorted usages, "<none>" for empty cells. */
function tokenRow(token: ClusterToken, now: Date): string[] {
  const expires = token.expiration === undefined ? undefined : new Date(token.expiration);
  return [
    tokenString(token),
    expires ? shortHumanDuration(expires.getTime() - now.getTime()) : '<forever>',
    expires ? rfc3339(expires) : '<never>',
    [...token.usages].sort().join(','),
    token.description || '<none>',
    token.groups.join(',') || '<none>',
  ];
}

const listCommand: Command = {
  name: 'token list',
  summary: 'list the cluster\'s bootstrap tokens (as kubeadm token list)',
  help: [
    'Usage: kgen token list [--json] [--kubeconfig FILE | --nodes FILE [--state DIR]]',
    '',
    'Lists every bootstrap token Secret in kube-system, expired ones included (TTL <invalid>), in kubeadm\'s',
    'columns TOKEN TTL EXPIRES USAGES DESCRIPTION EXTRA GROUPS. Like kubeadm, it shows the whole token:',
    'whoever can read the output can join machines until the token expires.',
    '',
    'Flags:',
    '  --json             print {"tokens": [...]} instead of the table',
    ...ACCESS_HELP,
    '',
    EXIT_HELP,
    '',
    'Example:',
    '  kgen token list --nodes nodes.yaml',
    '',
  ].join('\n'),
  async run(args, io) {
    const flags = parseFlags(args, { ...ACCESS_FLAGS, json: { type: 'boolean', default: false } });
    const access = await connectCluster(flags, io);
    const { tokens, invalid } = await withRights(access, listTokens);
    for (const problem of invalid) io.stderr(`warning: skipped ${problem}\n`);
    const now = new Date();
    if (flags.json) {
      const out = tokens.map((t) => ({
        token: tokenString(t),
        expires: t.expiration === undefined ? null : rfc3339(new Date(t.expiration)),
        ttlSeconds: t.expiration === undefined ? null : Math.trunc((Date.parse(t.expiration) - now.getTime()) / 1000),
        usages: [...t.usages].sort(),
        description: t.description,
        groups: t.groups,
      }));
      io.stdout(`${JSON.stringify({ tokens: out }, null, 2)}\n`);
    } else {
      io.stdout(tabwriterTable(['TOKEN', 'TTL', 'EXPIRES', 'USAGES', 'DESCRIPTION', 'EXTRA GROUPS'], tokens.map((t) => tokenRow(t, now))));
    }
    return EXIT_OK;
  },
};

const deleteCommand: Command = {
  name: 'token delete',
  summary: 'delete bootstrap tokens from the cluster (as kubeadm token delete)',
  help: [
    'Usage: kgen token delete ID|TOKEN... [--kubeconfig FILE | --nodes FILE [--state DIR]]',
    '',
    'Deletes each token\'s Secret kube-system/bootstrap-token-<id>; give the id ([a-z0-9]{6}) or the whole',
    'token. Machines that have not joined yet with a deleted token can no longer join with it.',
    '',
    'Flags:',
    ...ACCESS_HELP,
    '',
    EXIT_HELP,
    '',
    'Example:',
    '  kgen token delete abcdef',
    '',
  ].join('\n'),
  async run(args, io) {
    const { values: flags, positionals } = parseFlagsAndArguments(args, ACCESS_FLAGS);
    if (positionals.length === 0) throw new UsageError('give at least one token id or token to delete');
    const ids = positionals.map(tokenIdOf);
    const access = await connectCluster(flags, io);
    // As kubeadm: one by one, stopping at the first that fails.
    await withRights(access, async (client) => {
      for (const id of ids) {
        await deleteToken(client, id);
        io.stdout(`bootstrap token "${id}" deleted\n`);
      }
    });
    return EXIT_OK;
  },
};

export const tokenCommand = commandGroup('token', 'manage the cluster\'s bootstrap tokens', [createCommand, listCommand, deleteCommand]);
