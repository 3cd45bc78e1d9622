// The operator commands' edges that need no cluster: command-group dispatch and help, the terminal guard on
// credentials, a missing state, flag errors. Against a running cluster: test/operator/.
import { cpSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../command/command.js';
import { main } from './main.js';

const repo = join(import.meta.dirname, '../..');
let work: string;

function capture(extra: Partial<CliIO> = {}) {
  const out = { stdout: '', stderr: '' };
  const io: CliIO = { stdout: (t) => void (out.stdout += t), stderr: (t) => void (out.stderr += t), cwd: work, ...extra };
  return { io, out };
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'kgen-operator-cli-'));
  cpSync(join(repo, 'examples'), join(work, 'examples'), { recursive: true });
  const { io, out } = capture();
  expect(await main(['render', '--nodes', 'examples/nodes.yaml', '--out', 'dist'], io), out.stderr).toBe(0);
}, 120_000);

describe('operator command groups', () => {
  it.each([['kubeconfig'], ['token'], ['certs'], ['etcd']])('kgen %s alone is a usage error listing its commands', async (group) => {
    const { io, out } = capture();
    expect(await main([group], io)).toBe(1);
    expect(out.stderr).toContain(`kgen ${group} needs a command`);
    expect(out.stderr).toContain(`Usage: kgen ${group} <command>`);
  });

  it.each([['kubeconfig', 'admin'], ['kubeconfig', 'user'], ['token', 'create'], ['token', 'list'], ['token', 'delete'], ['certs', 'check-expiration']])(
    'kgen %s %s --help prints its own usage',
    async (group, sub) => {
      const { io, out } = capture();
      expect(await main([group, sub, '--help'], io)).toBe(0);
      expect(out.stdout).toMatch(new RegExp(`^Usage: kgen ${group} ${sub}`));
      expect(out.stdout).toContain('Exit codes:');
    },
  );

  it('an unknown subcommand is a usage error', async () => {
    const { io, out } = capture();
    expect(await main(['token', 'revoke'], io)).toBe(1);
    expect(out.stderr).toContain('unknown command "token revoke"');
  });
});

describe('kgen kubeconfig', () => {
  const nodes = ['--nodes', 'examples/nodes.yaml'];

  it('refuses to print a credential to a terminal', async () => {
    const { io, out } = capture({ stdoutIsTerminal: true });
    expect(await main(['kubeconfig', 'admin', ...nodes], io)).toBe(1);
    expect(out.stderr).toContain('refusing to print a credential to a terminal');
    expect(out.stdout).toBe('');
  });

  it('prints to a terminal with --out -, and to a pipe without asking', async () => {
    for (const [extra, terminal] of [[['--out', '-'], true], [[], false]] as const) {
      const { io, out } = capture({ stdoutIsTerminal: terminal });
      expect(await main(['kubeconfig', 'admin', ...nodes, ...extra], io)).toBe(0);
      expect(out.stdout).toContain('current-context: kubernetes-admin@demo');
      expect(out.stdout).toContain('server: https://cp.demo.internal:6443');
    }
  });

  it('writes --out FILE with mode 0600 and says so on stderr', async () => {
    const { io, out } = capture();
    expect(await main(['kubeconfig', 'user', ...nodes, '--name', 'alice', '--org', 'devs', '--out', 'alice.conf'], io)).toBe(0);
    expect(statSync(join(work, 'alice.conf')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(work, 'alice.conf'), 'utf8')).toContain('current-context: alice@demo');
    expect(out.stderr).toContain('user "alice" (groups devs)');
  });

  it.each([
    ['a missing --name', ['kubeconfig', 'user'], '--name NAME is required'],
    ['a bad --validity', ['kubeconfig', 'admin', '--validity', '1 week'], '--validity: "1 week" is not a duration'],
    ['a state directory that does not exist', ['kubeconfig', 'admin', '--state', 'nowhere'], 'holds no kgen state (no state.yaml); run `kgen render` first'],
  ])('rejects %s (exit 1)', async (_, args, message) => {
    const { io, out } = capture();
    expect(await main([...args, ...nodes], io)).toBe(1);
    expect(out.stderr).toContain(message);
  });
});

describe('kgen token create flags', () => {
  it.each([
    ['an unknown usage', ['--usages', 'signing,login'], '--usages: "login" unknown'],
    ['a group outside system:bootstrappers:', ['--groups', 'system:masters'], '--groups: "system:masters" does not match'],
    ['groups without authentication', ['--usages', 'signing', '--groups', 'system:bootstrappers:rack4'], '--groups needs the "authentication" usage'],
  ])('rejects %s before contacting the cluster', async (_, args, message) => {
    const { io, out } = capture();
    expect(await main(['token', 'create', '--nodes', 'examples/nodes.yaml', ...args], io)).toBe(1);
    expect(out.stderr).toContain(message);
  });
});

describe('kgen replace edges', () => {
  const nodes = ['--nodes', 'examples/nodes.yaml'];

  it('--help prints its usage and exit codes', async () => {
    const { io, out } = capture();
    expect(await main(['replace', '--help'], io)).toBe(0);
    expect(out.stdout).toMatch(/^Usage: kgen replace NODE/);
    expect(out.stdout).toContain('Exit codes:');
  });

  it.each([
    ['no NODE', [], 'expected exactly one NODE, got none'],
    ['a node not in the inventory', ['cp9'], 'node "cp9" is not in examples/nodes.yaml; known nodes:'],
  ])('rejects %s before contacting the cluster (exit 1)', async (_, args, message) => {
    const { io, out } = capture();
    expect(await main(['replace', ...args, ...nodes], io)).toBe(1);
    expect(out.stderr).toContain(message);
  });

  it('an unreachable cluster: exit 1 naming the endpoint, and nothing rendered', async () => {
    const { io, out } = capture();
    expect(await main(['replace', 'cp-2', ...nodes, '--out', 'dist'], io)).toBe(1);
    expect(out.stderr).toContain('cannot reach the cluster at https://cp.demo.internal:6443');
    for (const file of ['replacements.yaml', 'generations.yaml']) expect(() => statSync(join(work, 'examples/.kgen', file))).toThrow();
  });
});

describe('kgen etcd snapshot edges', () => {
  it('--out is required (usage error, exit 1)', async () => {
    const { io, out } = capture();
    expect(await main(['etcd', 'snapshot', '--nodes', 'examples/nodes.yaml'], io)).toBe(1);
    expect(out.stderr).toContain('--out FILE is required');
  });

  it('no member reachable: exit 1 naming the endpoints, and no file written', async () => {
    const { io, out } = capture();
    expect(await main(['etcd', 'snapshot', '--nodes', 'examples/nodes.yaml', '--out', 'snap.db'], io)).toBe(1);
    expect(out.stderr).toMatch(/no etcd member gave a snapshot: etcd https:\/\/\S+:2379\/v3\/maintenance\/snapshot: connection failed/);
    expect(() => statSync(join(work, 'snap.db'))).toThrow();
  }, 120_000);
});

describe('reaching the cluster', () => {
  it('a --kubeconfig that cannot be read is exit 1 naming it', async () => {
    const { io, out } = capture();
    expect(await main(['token', 'list', '--kubeconfig', 'nowhere.conf'], io)).toBe(1);
    expect(out.stderr).toMatch(/cannot read \/\S+\/nowhere\.conf \(ENOENT\); check --kubeconfig/);
  });
});
