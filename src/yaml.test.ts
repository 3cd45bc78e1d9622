import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { parse } from 'yaml';
import { toYaml, toYamlDocuments } from './yaml.js';

// Strings that a YAML 1.1 reader (PyYAML in cloud-init, go-yaml in Kubernetes) would turn into another type.
const TRICKY = {
  mac: '52:54:00:00:00:11',
  sexagesimal: '1:20',
  on: 'on',
  yes: 'yes',
  y: 'y',
  octal: '0755',
  hex: '0x1f',
  float: '1e3',
  date: '2001-01-01',
  nullish: '~',
};

describe('toYaml', () => {
  it('puts apiVersion, kind and metadata first at every level and drops undefined', () => {
    const text = toYaml({ spec: { x: 1 }, metadata: { name: 'a' }, kind: 'K', apiVersion: 'v1', gone: undefined });
    expect(text).toBe('apiVersion: v1\nkind: K\nmetadata:\n  name: a\nspec:\n  x: 1\n');
  });

  it('never folds long lines', () => {
    const long = 'x'.repeat(500);
    expect(toYaml({ long })).toBe(`long: ${long}\n`);
  });

  it('joins documents with ---', () => {
    expect(toYamlDocuments([{ a: 1 }, { b: 2 }])).toBe('a: 1\n---\nb: 2\n');
  });

  it('round-trips under YAML 1.2 (the yaml package)', () => {
    expect(parse(toYaml(TRICKY))).toEqual(TRICKY);
  });

  it('keeps strings strings for a YAML 1.1 reader (PyYAML, as cloud-init reads user-data)', () => {
    const json = execFileSync('python3', ['-c', 'import json,sys,yaml; print(json.dumps(yaml.safe_load(sys.stdin)))'], {
      input: toYaml(TRICKY),
      encoding: 'utf8',
    });
    expect(JSON.parse(json)).toEqual(TRICKY);
  });
});
