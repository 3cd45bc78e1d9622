import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic, writeFileExclusive } from './fsutil.js';

const dir = () => mkdtempSync(join(tmpdir(), 'kgen-fsutil-'));

describe('writeFileAtomic', () => {
  it('creates parents, writes the bytes with the mode from the start and leaves no temporary file', () => {
    const d = dir();
    writeFileAtomic(join(d, 'a/b/key'), 'secret', { mode: 0o600, durable: true });
    expect(readFileSync(join(d, 'a/b/key'), 'utf8')).toBe('secret');
    expect(statSync(join(d, 'a/b/key')).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(d, 'a/b'))).toEqual(['key']);
  });

  it('replaces an existing file whole', () => {
    const d = dir();
    writeFileAtomic(join(d, 'f'), 'old old old', { mode: 0o644 });
    writeFileAtomic(join(d, 'f'), 'new', { mode: 0o644 });
    expect(readFileSync(join(d, 'f'), 'utf8')).toBe('new');
  });
});

describe('writeFileExclusive', () => {
  it('never replaces an existing file', () => {
    const d = dir();
    writeFileExclusive(join(d, 'ca.key'), 'first', 0o600);
    expect(() => writeFileExclusive(join(d, 'ca.key'), 'second', 0o600)).toThrow(/EEXIST/);
    expect(readFileSync(join(d, 'ca.key'), 'utf8')).toBe('first');
    expect(readdirSync(d)).toEqual(['ca.key']);
  });
});
