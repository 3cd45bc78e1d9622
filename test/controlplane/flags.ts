// Command-line flags as the upstream components parse them (spf13/pflag as used by
// k8s.io/component-base/cli/flag): `--name=value`, `--name value`, and bare `--name` for booleans.
// The test control plane is started from the command lines kubeadm writes into static pod manifests
// (cmd/kubeadm/app/phases/controlplane/manifests.go), so an unknown flag is an error: a typo in a
// generated manifest must break the test, exactly as it would crash the real component.

export type FlagKind = 'string' | 'bool' | 'int' | 'list';

export interface FlagSpec {
  kind: FlagKind;
  /** Used when the flag is absent. */
  default?: string;
}

export type FlagSpecs = Record<string, FlagSpec>;

export class FlagError extends Error {}

/** Typed access to parsed values (defaults applied). */
export interface ParsedFlags {
  string(name: string): string | undefined;
  require(name: string): string;
  bool(name: string): boolean;
  int(name: string): number | undefined;
  list(name: string): string[];
}

const BOOL_VALUES = new Set(['true', 'false', '1', '0', 't', 'f', 'TRUE', 'FALSE', 'True', 'False']);

/** Parses argv (without the program name) against `specs`; throws FlagError naming the offending flag. */
export function parseFlags(program: string, argv: readonly string[], specs: FlagSpecs): ParsedFlags {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      throw new FlagError(`${program}: unexpected argument ${JSON.stringify(arg)}; expected only --flag=value flags`);
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const spec = specs[name];
    if (!spec) {
      throw new FlagError(`${program}: unknown flag: --${name} (check the flag name against upstream ${program} --help)`);
    }
    let value: string;
    if (eq !== -1) value = arg.slice(eq + 1);
    else if (spec.kind === 'bool') value = 'true';
    else if (i + 1 < argv.length) value = argv[++i]!;
    else throw new FlagError(`${program}: flag needs an argument: --${name}`);
    if (spec.kind === 'bool' && !BOOL_VALUES.has(value)) {
      throw new FlagError(`${program}: invalid argument ${JSON.stringify(value)} for --${name}: expected true or false`);
    }
    if (spec.kind === 'int' && !/^-?\d+$/.test(value)) {
      throw new FlagError(`${program}: invalid argument ${JSON.stringify(value)} for --${name}: expected an integer`);
    }
    // Slice flags (pflag StringSlice) append when repeated.
    values.set(name, spec.kind === 'list' && values.has(name) ? `${values.get(name)},${value}` : value);
  }
  for (const [name, spec] of Object.entries(specs)) {
    if (!values.has(name) && spec.default !== undefined) values.set(name, spec.default);
  }
  return {
    string: (name) => values.get(name),
    require(name) {
      const v = values.get(name);
      if (v === undefined || v === '') throw new FlagError(`${program}: --${name} is required`);
      return v;
    },
    bool: (name) => ['true', '1', 't', 'TRUE', 'True'].includes(values.get(name) ?? 'false'),
    int(name) {
      const v = values.get(name);
      return v === undefined ? undefined : Number.parseInt(v, 10);
    },
    list(name) {
      const v = values.get(name);
      return v ? v.split(',').map((s) => s.trim()).filter((s) => s !== '') : [];
    },
  };
}
