import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createHost } from './host.js';
import { PhaseError, PhaseSelectionError, Runner, type Phase, type RunnerOptions, type StatusStore } from './runner.js';
import { STATUS_FILE, fileStatusStore, memoryStatusStore } from './status.js';

interface Data {
  ran: string[];
  failOn?: string;
  skipAddons?: boolean;
}

const step = (name: string, extra: Partial<Phase<Data>> = {}): Phase<Data> => ({
  name,
  short: `the ${name} step`,
  run: async (d) => {
    if (d.failOn === name) throw new Error(`${name} broke`);
    d.ran.push(name);
  },
  ...extra,
});

const tree = (): Phase<Data>[] => [
  step('preflight'),
  { name: 'certs', short: 'certificates', phases: [step('ca'), step('apiserver', { dependsOn: ['certs/ca'] })] },
  step('kubeconfig', { dependsOn: ['certs/ca'] }),
  { name: 'addon', short: 'addons', runIf: (d) => !d.skipAddons, phases: [step('coredns')] },
];

let tick = 0;
const options = (store: StatusStore = memoryStatusStore(), extra: Partial<RunnerOptions> = {}): RunnerOptions => ({
  store,
  now: () => new Date(Date.UTC(2026, 0, 1, 0, 0, tick++)),
  generation: 1,
  role: 'init',
  ...extra,
});

describe('Runner', () => {
  it('runs every phase in order, parents before children', async () => {
    const data: Data = { ran: [] };
    const record = await new Runner(tree()).run(data, options());
    expect(data.ran).toEqual(['preflight', 'ca', 'apiserver', 'kubeconfig', 'coredns']);
    expect(record.state).toBe('succeeded');
    expect(record.phases.map((p) => [p.phase, p.outcome])).toEqual([
      ['preflight', 'done'],
      ['certs/ca', 'done'],
      ['certs/apiserver', 'done'],
      ['kubeconfig', 'done'],
      ['addon/coredns', 'done'],
    ]);
  });

  it('skips the named phases with their children, and rejects an unknown one', async () => {
    const data: Data = { ran: [] };
    const skipped: string[] = [];
    await new Runner(tree()).run(data, options(memoryStatusStore(), { skip: ['certs/apiserver', 'addon'], events: { skipped: (p) => skipped.push(p) } }));
    expect(data.ran).toEqual(['preflight', 'ca', 'kubeconfig']);
    expect(skipped).toEqual(['certs/apiserver', 'addon']);
    expect(() => new Runner(tree()).select(undefined, ['adon'])).toThrow(PhaseSelectionError);
  });

  it.each([
    ['a parent runs its children', 'certs', ['ca', 'apiserver']],
    ['a child runs alone', 'certs/ca', ['ca']],
    ['surrounding slashes are ignored', '/certs/ca/', ['ca']],
  ])('selection: %s', async (_name, selection, expected) => {
    const data: Data = { ran: [] };
    await new Runner(tree()).run(data, options(), selection);
    expect(data.ran).toEqual(expected);
  });

  it('rejects an unknown phase name and lists the valid ones', async () => {
    const err = await new Runner(tree()).run({ ran: [] }, options(), 'certs/apiservr').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PhaseSelectionError);
    expect((err as Error).message).toContain('unknown phase "certs/apiservr"');
    expect((err as Error).message).toContain('certs/apiserver');
    expect((err as Error).message).toContain('addon/coredns');
  });

  it('refuses a selected phase whose dependency has not completed', async () => {
    const err = await new Runner(tree()).run({ ran: [] }, options(), 'kubeconfig').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PhaseError);
    expect((err as Error).message).toBe(
      'phase kubeconfig failed: it depends on phase "certs/ca", which has not completed; run `kgen-boot phase certs/ca` first',
    );
  });

  it('runs a selected phase once its dependency is recorded as done', async () => {
    const store = memoryStatusStore();
    const runner = new Runner(tree());
    await runner.run({ ran: [] }, options(store), 'certs/ca');
    const data: Data = { ran: [] };
    await runner.run(data, options(store), 'kubeconfig');
    expect(data.ran).toEqual(['kubeconfig']);
  });

  it('does not check the dependencies of a selected phase that does not apply', async () => {
    const phases: Phase<Data>[] = [step('etcd-ca', { runIf: () => false }), step('etcd', { runIf: () => false, dependsOn: ['etcd-ca'] })];
    const record = await new Runner(phases).run({ ran: [] }, options(), 'etcd');
    expect(record.phases).toEqual([expect.objectContaining({ phase: 'etcd', outcome: 'skipped' })]);
  });

  it('counts a skipped dependency as satisfied', async () => {
    const store = memoryStatusStore();
    const phases: Phase<Data>[] = [step('etcd-ca', { runIf: () => false }), step('apiserver', { dependsOn: ['etcd-ca'] })];
    const runner = new Runner(phases);
    await runner.run({ ran: [] }, options(store), 'etcd-ca');
    const data: Data = { ran: [] };
    await runner.run(data, options(store), 'apiserver');
    expect(data.ran).toEqual(['apiserver']);
  });

  it('skips a phase whose runIf (or an ancestor runIf) is false and records it', async () => {
    const data: Data = { ran: [], skipAddons: true };
    const record = await new Runner(tree()).run(data, options());
    expect(data.ran).not.toContain('coredns');
    expect(record.phases.find((p) => p.phase === 'addon/coredns')?.outcome).toBe('skipped');
  });

  it('wraps a failure with the phase name and records it, then resumes after the last completed phase', async () => {
    const store = memoryStatusStore();
    const runner = new Runner(tree());
    const first: Data = { ran: [], failOn: 'apiserver' };
    const err = await runner.run(first, options(store)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PhaseError);
    expect((err as PhaseError).phase).toBe('certs/apiserver');
    expect((err as Error).message).toBe('phase certs/apiserver failed: apiserver broke');
    expect(((err as Error).cause as Error).message).toBe('apiserver broke');
    expect(first.ran).toEqual(['preflight', 'ca']);
    const failed = store.current();
    expect(failed?.state).toBe('failed');
    expect(failed?.phases.find((p) => p.phase === 'certs/apiserver')).toMatchObject({ outcome: 'failed', error: 'phase certs/apiserver failed: apiserver broke' });

    const skipped: string[] = [];
    const second: Data = { ran: [] };
    const record = await runner.run(second, options(store, { events: { skipped: (p) => skipped.push(p) } }));
    expect(second.ran).toEqual(['apiserver', 'kubeconfig', 'coredns']);
    expect(skipped).toEqual(['preflight', 'certs/ca']);
    expect(record.state).toBe('succeeded');
  });

  it('starts over when the recorded generation differs from the node generation', async () => {
    const store = memoryStatusStore();
    const runner = new Runner(tree());
    await runner.run({ ran: [] }, options(store));
    const data: Data = { ran: [] };
    await runner.run(data, options(store, { generation: 2 }));
    expect(data.ran).toEqual(['preflight', 'ca', 'apiserver', 'kubeconfig', 'coredns']);
  });

  it('redacts error text before storing it', async () => {
    const store = memoryStatusStore();
    await new Runner([step('boom')])
      .run({ ran: [], failOn: 'boom' }, options(store, { redact: (t) => t.replace('broke', '<redacted>') }))
      .catch(() => undefined);
    expect(store.current()?.phases[0]?.error).toBe('phase boom failed: boom <redacted>');
  });

  it('saves the record as each top-level phase starts, on a failure and at the end, not for every child', async () => {
    const saves: Array<Array<[string, string]>> = [];
    const spy = (inner: StatusStore): StatusStore => ({
      load: () => inner.load(),
      save: async (r) => {
        saves.push(r.phases.map((p) => [p.phase, p.outcome]));
        await inner.save(r);
      },
    });
    await new Runner(tree()).run({ ran: [] }, options(spy(memoryStatusStore())));
    expect(saves).toEqual([
      [['preflight', 'running']],
      [['preflight', 'done'], ['certs/ca', 'running']],
      [['preflight', 'done'], ['certs/ca', 'done'], ['certs/apiserver', 'done'], ['kubeconfig', 'running']],
      [['preflight', 'done'], ['certs/ca', 'done'], ['certs/apiserver', 'done'], ['kubeconfig', 'done'], ['addon/coredns', 'running']],
      [['preflight', 'done'], ['certs/ca', 'done'], ['certs/apiserver', 'done'], ['kubeconfig', 'done'], ['addon/coredns', 'done']],
    ]);

    saves.length = 0;
    const store = memoryStatusStore();
    await expect(new Runner(tree()).run({ ran: [], failOn: 'apiserver' }, options(spy(store)))).rejects.toThrow('phase certs/apiserver failed');
    expect(saves.at(-1)).toEqual([['preflight', 'done'], ['certs/ca', 'done'], ['certs/apiserver', 'failed']]);
    expect(store.current()?.state).toBe('failed');
  });

  it('writes the status record to /var/lib/kgen/status.json under the root as each top-level phase starts', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kgen-runner-'));
    const host = createHost({ root });
    const seen: string[] = [];
    const phases: Phase<Data>[] = [
      step('one'),
      {
        name: 'two',
        short: 'reads the record mid-run',
        run: async () => {
          seen.push(readFileSync(join(root, STATUS_FILE), 'utf8'));
        },
      },
    ];
    await new Runner(phases).run({ ran: [] }, options(fileStatusStore(host)));
    const mid = JSON.parse(seen[0]!);
    expect(mid.phases.map((p: { phase: string; outcome: string }) => [p.phase, p.outcome])).toEqual([
      ['one', 'done'],
      ['two', 'running'],
    ]);
    const final = JSON.parse(readFileSync(join(root, STATUS_FILE), 'utf8'));
    expect(final.state).toBe('succeeded');
  });

  it.each([
    ['duplicate names', [step('a'), step('a')], 'phase "a" is defined twice'],
    ['dangling dependsOn', [step('a', { dependsOn: ['nope'] })], 'depends on "nope", which is not a phase'],
  ])('rejects a malformed tree: %s', (_n, phases, message) => {
    expect(() => new Runner(phases)).toThrow(message);
  });

  it('prints the tree with children indented under their parent', () => {
    expect(new Runner(tree()).tree()).toBe(
      [
        'preflight     the preflight step',
        'certs         certificates',
        '  /ca         the ca step',
        '  /apiserver  the apiserver step',
        'kubeconfig    the kubeconfig step',
        'addon         addons',
        '  /coredns    the coredns step',
        '',
      ].join('\n'),
    );
  });
});
