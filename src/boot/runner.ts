// A generic phase runner over plain phase objects (model: kubeadm cmd/kubeadm/app/cmd/phases/workflow/
// phase.go and runner.go). Phases run in order, parents before their children; `parent/child` names
// select a subtree; unknown names are rejected with the list of known ones; a failure is wrapped as
// `phase certs/apiserver failed: <cause>`. Beyond kubeadm, every phase outcome is recorded in a status
// record (saved as each top-level phase starts, and at the end or on a failure) so that `run` after a crash
// or reboot skips what already completed.
// Phases must also be idempotent: the record is an optimisation and a report, not a lock.

export interface Phase<D> {
  /** Lower-case, dash-separated, as kubeadm names them ("upload-config"). */
  name: string;
  /** One line for `kgen-boot phases`. */
  short: string;
  long?: string;
  phases?: Phase<D>[];
  run?: (data: D) => Promise<void>;
  /** When false the phase and its children are skipped (recorded as "skipped"). */
  runIf?: (data: D) => boolean;
  /** Full names of phases that must have completed before this one runs alone (`phase NAME`). */
  dependsOn?: string[];
}

export type Outcome = 'running' | 'done' | 'failed' | 'skipped';

export interface PhaseRecord {
  /** Full name, e.g. "certs/apiserver". */
  phase: string;
  outcome: Outcome;
  /** RFC 3339. */
  start: string;
  end?: string;
  /** The failure's message (already free of secrets). */
  error?: string;
}

export interface StatusRecord {
  /** Node generation the record belongs to; a different generation starts over. */
  generation: number;
  role: string;
  /** Overall state of the last run. */
  state: 'running' | 'succeeded' | 'failed';
  phases: PhaseRecord[];
}

/** Where the record lives (status.ts stores it in /var/lib/kgen/status.json; dry-run keeps it in memory). */
export interface StatusStore {
  load(): Promise<StatusRecord | undefined>;
  save(record: StatusRecord): Promise<void>;
}

export interface RunnerEvents {
  /** A completed phase skipped on resume. */
  skipped(phase: string, reason: string): void;
}

export interface RunnerOptions {
  store: StatusStore;
  now: () => Date;
  generation: number;
  role: string;
  /** Full names of phases not to run, with their descendants (kubeadm's --skip-phases). */
  skip?: readonly string[];
  /** Applied to error text before it is stored (the logger's redactor). */
  redact?: (text: string) => string;
  events?: RunnerEvents;
}

/** A selected name that does not exist: the message lists every valid name. */
export class PhaseSelectionError extends Error {
  constructor(
    readonly selection: string,
    readonly known: string[],
  ) {
    super(`unknown phase "${selection}"; expected one of:\n  ${known.join('\n  ')}`);
    this.name = 'PhaseSelectionError';
  }
}

/** A phase failed; `phase` is its full name and `cause` the original error. */
export class PhaseError extends Error {
  constructor(
    readonly phase: string,
    cause: unknown,
  ) {
    super(`phase ${phase} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'PhaseError';
  }
}

interface Flat<D> {
  fullName: string;
  phase: Phase<D>;
  /** The phase itself and its ancestors, outermost first (for runIf). */
  chain: Phase<D>[];
}

function flatten<D>(phases: Phase<D>[], prefix = '', chain: Phase<D>[] = []): Flat<D>[] {
  return phases.flatMap((p) => {
    const fullName = prefix ? `${prefix}/${p.name}` : p.name;
    const here = [...chain, p];
    return [{ fullName, phase: p, chain: here }, ...flatten(p.phases ?? [], fullName, here)];
  });
}

export class Runner<D> {
  private readonly flat: Flat<D>[];

  constructor(readonly phases: Phase<D>[]) {
    this.flat = flatten(phases);
    const seen = new Set<string>();
    for (const f of this.flat) {
      if (seen.has(f.fullName)) throw new Error(`phase "${f.fullName}" is defined twice; phase names must be unique`);
      seen.add(f.fullName);
    }
    for (const f of this.flat) {
      for (const dep of f.phase.dependsOn ?? []) {
        if (!seen.has(dep)) throw new Error(`phase "${f.fullName}" depends on "${dep}", which is not a phase`);
      }
    }
  }

  /** Every full phase name, in run order. */
  names(): string[] {
    return this.flat.map((f) => f.fullName);
  }

  /** The tree as `kgen-boot phases` prints it (kubeadm's `init --help` phase list shape). */
  tree(): string {
    const label = (f: Flat<D>) => {
      const depth = f.fullName.split('/').length - 1;
      return `${'  '.repeat(depth)}${depth > 0 ? '/' : ''}${f.phase.name}`;
    };
    const width = Math.max(...this.flat.map((f) => label(f).length));
    return this.flat.map((f) => `${label(f).padEnd(width + 2)}${f.phase.short}`).join('\n') + '\n';
  }

  /**
   * The phases a selection runs: all of them, or the named one and its descendants; without the `skip`ped
   * ones and their descendants (kubeadm's --skip-phases).
   */
  select(selection?: string, skip: readonly string[] = []): Flat<D>[] {
    const subtree = (given: string) => {
      const name = given.replace(/^\/+|\/+$/g, '');
      if (!this.flat.some((f) => f.fullName === name)) throw new PhaseSelectionError(given, this.names());
      return (f: Flat<D>) => f.fullName === name || f.fullName.startsWith(`${name}/`);
    };
    const skipped = skip.map(subtree);
    const selected = selection === undefined ? this.flat : this.flat.filter(subtree(selection));
    return selected.filter((f) => !skipped.some((inSkipped) => inSkipped(f)));
  }

  /**
   * Runs the selection. Without a selection (a full `run`), phases recorded as done for this generation
   * are skipped; a named selection (`phase NAME`), or a run that skips phases, first checks dependencies.
   */
  async run(data: D, options: RunnerOptions, selection?: string): Promise<StatusRecord> {
    const selected = this.select(selection, options.skip);
    const previous = await options.store.load();
    const record: StatusRecord =
      previous && previous.generation === options.generation
        ? { ...previous, state: 'running', phases: [...previous.phases] }
        : { generation: options.generation, role: options.role, state: 'running', phases: [] };
    const isDone = (name: string) => record.phases.some((r) => r.phase === name && r.outcome === 'done');
    // A dependency that was skipped (its runIf was false) is satisfied: it does not apply to this node.
    const isSettled = (name: string) => record.phases.some((r) => r.phase === name && (r.outcome === 'done' || r.outcome === 'skipped'));
    const applies = (f: Flat<D>) => f.chain.every((p) => !p.runIf || p.runIf(data));
    const setRecord = (r: PhaseRecord) => {
      const i = record.phases.findIndex((x) => x.phase === r.phase);
      if (i >= 0) record.phases[i] = r;
      else record.phases.push(r);
    };
    const redact = options.redact ?? ((t: string) => t);

    for (const name of options.skip ?? []) options.events?.skipped(name, 'named in --skip-phases');
    if (selection !== undefined || (options.skip?.length ?? 0) > 0) {
      const selectedNames = new Set(selected.map((f) => f.fullName));
      for (const f of selected.filter(applies)) {
        for (const dep of f.phase.dependsOn ?? []) {
          if (!selectedNames.has(dep) && !isSettled(dep)) {
            throw new PhaseError(f.fullName, new Error(`it depends on phase "${dep}", which has not completed; run \`kgen-boot phase ${dep}\` first`));
          }
        }
      }
    }

    let savedFor: Phase<D> | undefined;
    for (const f of selected) {
      if (!f.phase.run) continue;
      const start = options.now().toISOString();
      if (selection === undefined && isDone(f.fullName)) {
        options.events?.skipped(f.fullName, 'completed by an earlier run');
        continue;
      }
      if (!applies(f)) {
        setRecord({ phase: f.fullName, outcome: 'skipped', start, end: start });
        continue;
      }
      setRecord({ phase: f.fullName, outcome: 'running', start });
      // The record is written when a top-level phase's subtree is entered, carrying every outcome before it
      // (a crash only repeats idempotent phases since then), and on a failure and at the end: a phase's
      // children do not pay a durable write each.
      const topLevel = f.chain[0]!;
      if (topLevel !== savedFor) {
        savedFor = topLevel;
        await options.store.save(record);
      }
      try {
        await f.phase.run(data);
      } catch (err) {
        const failure = new PhaseError(f.fullName, err);
        setRecord({ phase: f.fullName, outcome: 'failed', start, end: options.now().toISOString(), error: redact(failure.message) });
        record.state = 'failed';
        await options.store.save(record);
        throw failure;
      }
      setRecord({ phase: f.fullName, outcome: 'done', start, end: options.now().toISOString() });
    }
    // A full run that got here ran or skipped everything; a selection leaves earlier failures standing.
    record.state = record.phases.some((r) => r.outcome === 'failed') ? 'failed' : 'succeeded';
    await options.store.save(record);
    return record;
  }
}
