// A small declarative schema for YAML-shaped data (model: JSON Schema's object/array/enum kinds, with
// kubeadm's habit of defaulting in the API types). One walk over the parsed value does type checks,
// unknown-key checks with "did you mean", required fields, mutually exclusive fields and defaults, and
// returns the converted value. An invalid leaf becomes undefined (no default is put in its place), so the
// semantic checks that run afterwards see holes rather than made-up values; list slots keep their index.
// YAML null (`key:` with nothing after it) counts as absent, as it does in Kubernetes objects.
import type { Parse } from './formats.js';
import type { Path } from './path.js';
import { closest, didYouMean } from './suggest.js';
import { quote } from './excerpt.js';

export type Schema =
  | { kind: 'string'; parse?: Parse }
  | { kind: 'boolean' }
  | { kind: 'integer'; min: number; max: number }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'list'; items: Schema }
  | { kind: 'map'; keys?: Parse<string>; values: Schema }
  | { kind: 'object'; fields: Readonly<Record<string, Field>>; open?: boolean; exclusive?: readonly string[] }
  | { kind: 'either'; scalar: Schema; mapping: Schema }
  | { kind: 'variant'; shapes: readonly Shape[] };

/** One of several mapping shapes, told apart by which of its keys are written (e.g. a shorthand and a full form). */
export interface Shape {
  /** What the shape is called in messages. */
  name: string;
  /** Keys that only this shape has; writing one picks it. */
  keys: readonly string[];
  schema: ObjectSchema;
}

export type ObjectSchema = Extract<Schema, { kind: 'object' }>;

export interface Field {
  schema: Schema;
  required?: boolean;
  /** Used when the field is absent, written as it would be in nodes.yaml (it goes through the same checks). */
  default?: unknown;
  /** Name in the model when it differs from the nodes.yaml key (e.g. ttl → ttlSeconds). */
  as?: string;
}

export interface Reporter {
  error(path: Path, part: 'key' | 'value', message: string): void;
}

// Constructors, so the nodes.yaml schema reads like a table.
export const str = (parse?: Parse): Schema => (parse ? { kind: 'string', parse } : { kind: 'string' });
export const bool: Schema = { kind: 'boolean' };
export const int = (min: number, max: number): Schema => ({ kind: 'integer', min, max });
export const oneOf = (...values: string[]): Schema => ({ kind: 'enum', values });
export const list = (items: Schema): Schema => ({ kind: 'list', items });
export const map = (values: Schema, keys?: Parse<string>): Schema => (keys ? { kind: 'map', values, keys } : { kind: 'map', values });
export const obj = (fields: Record<string, Field>, options: { open?: boolean; exclusive?: string[] } = {}): ObjectSchema => ({ kind: 'object', fields, ...options });
export const either = (scalar: Schema, mapping: Schema): Schema => ({ kind: 'either', scalar, mapping });
export const variant = (...shapes: Shape[]): Schema => ({ kind: 'variant', shapes });
export const req = (schema: Schema): Field => ({ schema, required: true });
export const opt = (schema: Schema, ...defaultValue: [unknown?]): Field => (defaultValue.length > 0 ? { schema, default: defaultValue[0] } : { schema });

function isMapping(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function describeFound(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (isMapping(v)) return 'a mapping';
  if (typeof v === 'string') return quote(v);
  return `a ${typeof v} (${String(v)})`;
}

function describeExpected(s: Schema): string {
  switch (s.kind) {
    case 'string': return 'a string';
    case 'boolean': return 'true or false';
    case 'integer': return `a whole number from ${s.min} to ${s.max}`;
    case 'enum': return `one of ${s.values.join(', ')}`;
    case 'list': return 'a list';
    case 'map':
    case 'object':
    case 'variant': return 'a mapping';
    case 'either': return `${describeExpected(s.scalar)} or ${describeExpected(s.mapping)}`;
  }
}

function typeError(s: Schema, v: unknown): string {
  const hint = s.kind === 'string' && (typeof v === 'number' || typeof v === 'boolean') ? `; put it in quotes: "${String(v)}"` : '';
  return `expected ${describeExpected(s)}, found ${describeFound(v)}${hint}`;
}

/** Checks `value` against `schema`, reporting every problem; returns the converted value, undefined where invalid. */
export function check(s: Schema, value: unknown, path: Path, report: Reporter): unknown {
  const bad = (message: string) => {
    report.error(path, 'value', message);
    return undefined;
  };
  switch (s.kind) {
    case 'string': {
      if (typeof value !== 'string') return bad(typeError(s, value));
      if (!s.parse) return value;
      const parsed = s.parse(value);
      return 'error' in parsed ? bad(parsed.error) : parsed.value;
    }
    case 'boolean':
      return typeof value === 'boolean' ? value : bad(typeError(s, value));
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) return bad(typeError(s, value));
      return value >= s.min && value <= s.max ? value : bad(`${value} is out of range; expected ${describeExpected(s)}`);
    case 'enum':
      if (typeof value === 'string' && s.values.includes(value)) return value;
      return typeof value === 'string'
        ? bad(`${quote(value)} is not one of ${s.values.join(', ')}${didYouMean(value, s.values)}`)
        : bad(typeError(s, value));
    case 'list':
      if (!Array.isArray(value)) return bad(typeError(s, value));
      return value.map((item, i) => {
        if (item !== null) return check(s.items, item, [...path, i], report);
        report.error([...path, i], 'value', `empty list item; expected ${describeExpected(s.items)}`);
        return undefined;
      });
    case 'map': {
      if (!isMapping(value)) return bad(typeError(s, value));
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        const p = [...path, k];
        const key = s.keys ? s.keys(k) : { value: k };
        if ('error' in key) report.error(p, 'key', key.error);
        // `key:` with nothing after it is the empty string here (an empty label value or flag value).
        const converted = check(s.values, v ?? '', p, report);
        if ('value' in key && converted !== undefined) out[key.value] = converted;
      }
      return out;
    }
    case 'object':
      return isMapping(value) ? checkObject(s, value, path, report) : bad(typeError(s, value));
    case 'either':
      if (typeof value === 'string') return check(s.scalar, value, path, report);
      if (isMapping(value)) return check(s.mapping, value, path, report);
      return bad(typeError(s, value));
    case 'variant':
      return isMapping(value) ? checkVariant(s, value, path, report) : bad(typeError(s, value));
  }
}

/** The shape whose keys are written first wins; keys of another shape beside them are reported and dropped. */
function checkVariant(s: Extract<Schema, { kind: 'variant' }>, value: Record<string, unknown>, path: Path, report: Reporter): unknown {
  const written = (shape: Shape) => shape.keys.filter((k) => value[k] !== undefined && value[k] !== null);
  const chosen = s.shapes.find((shape) => written(shape).length > 0);
  if (!chosen) {
    const expected = s.shapes.map((shape) => `the ${shape.name} (${shape.keys.join(', ')})`).join(' or ');
    report.error(path, 'value', `expected ${expected}`);
    return undefined;
  }
  const own = { ...value };
  for (const other of s.shapes.filter((shape) => shape !== chosen)) {
    for (const k of written(other)) {
      report.error([...path, k], 'key', `${quote(k)} belongs to the ${other.name}, which cannot be mixed with the ${chosen.name} (${JSON.stringify(written(chosen)[0])}); choose one`);
      delete own[k];
    }
  }
  return checkObject(chosen.schema, own, path, report);
}

function checkObject(s: ObjectSchema, value: Record<string, unknown>, path: Path, report: Reporter): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const known = Object.keys(s.fields);
  // A misspelt required field is reported once, as the unknown key with its suggestion.
  const suggested = new Set<string>();
  for (const [k, v] of Object.entries(value)) {
    if (!Object.hasOwn(s.fields, k)) {
      if (s.open) {
        out[k] = v;
        continue;
      }
      const guess = closest(k, known);
      if (guess !== undefined) suggested.add(guess);
      report.error([...path, k], 'key', `unknown field ${quote(k)}${guess === undefined ? '' : `; did you mean ${JSON.stringify(guess)}?`}`);
    }
  }
  const exclusive = s.exclusive ?? [];
  const present = exclusive.filter((k) => value[k] !== undefined && value[k] !== null);
  for (const k of present.slice(1)) {
    report.error([...path, k], 'key', `${quote(k)} cannot be used together with ${JSON.stringify(present[0])}; choose one`);
  }
  for (const [k, field] of Object.entries(s.fields)) {
    const p = [...path, k];
    const v = value[k];
    const name = field.as ?? k;
    if (v !== undefined && v !== null) {
      if (!present.slice(1).includes(k)) out[name] = check(field.schema, v, p, report);
    } else if (field.required && !suggested.has(k)) {
      report.error(p, 'key', `missing required field ${JSON.stringify(k)}`);
    } else if ('default' in field && !(present.length > 0 && exclusive.includes(k))) {
      out[name] = check(field.schema, field.default, p, report);
    }
  }
  return out;
}
