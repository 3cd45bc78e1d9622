import { describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TreeWriter, writeFileAtomic, writeFileExclusive } from './fsutil.js';

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

describe('TreeWriter', () => {
  it('leaves a file with the same bytes and mode untouched, rewrites one that differs in bytes or mode', () => {
    const d = dir();
    const w = new TreeWriter(d);
    w.write('n/user-data', 'x', { mode: 0o600 });
    w.write('n/meta-data', 'm', { mode: 0o644 });
    const past = new Date('2001-01-01T00:00:00Z');
    utimesSync(join(d, 'n/user-data'), past, past);
    utimesSync(join(d, 'n/meta-data'), past, past);

    const again = new TreeWriter(d);
    again.write('n/user-data', 'x', { mode: 0o600 });
    again.write('n/meta-data', 'changed', { mode: 0o644 });
    expect(statSync(join(d, 'n/user-data')).mtime).toEqual(past);
    expect(statSync(join(d, 'n/meta-data')).mtime).not.toEqual(past);
    expect(readFileSync(join(d, 'n/meta-data'), 'utf8')).toBe('changed');

    chmodSync(join(d, 'n/user-data'), 0o644);
    again.write('n/user-data', 'x', { mode: 0o600 });
    expect(statSync(join(d, 'n/user-data')).mode & 0o777).toBe(0o600);
  });

  it('prunes what an earlier writer wrote and this one did not, only where `owned` says so, and empty directories', () => {
    const d = dir();
    const first = new TreeWriter(d);
    for (const rel of ['nodes/a/user-data', 'nodes/b/user-data', 'nodes/b/meta-data', 'nodes/by-mac/x/user-data', 'pxe/x.ipxe', 'pxe/boot.ipxe']) {
      first.write(rel, rel, { mode: 0o644 });
    }
    writeFileSync(join(d, 'pxe/operator.kpxe'), 'mine');
    mkdirSync(join(d, 'nodes/empty'));

    const second = new TreeWriter(d);
    second.write('nodes/a/user-data', 'nodes/a/user-data', { mode: 0o644 });
    second.write('pxe/boot.ipxe', 'pxe/boot.ipxe', { mode: 0o644 });
    expect(second.prune('nodes', () => true)).toEqual(['nodes/b/meta-data', 'nodes/b/user-data', 'nodes/by-mac/x/user-data']);
    expect(second.prune('pxe', (rel) => rel.endsWith('.ipxe'))).toEqual(['pxe/x.ipxe']);
    expect(readdirSync(join(d, 'nodes')).sort()).toEqual(['a']);
    expect(readdirSync(join(d, 'pxe')).sort()).toEqual(['boot.ipxe', 'operator.kpxe']);
    expect(second.prune('nodes', () => true)).toEqual([]);
  });

  it('refuses to write below a file that sits where a directory should be, and keeps that file', () => {
    const d = dir();
    writeFileSync(join(d, 'nodes'), 'not a directory');
    expect(() => new TreeWriter(d).write('nodes/a/user-data', 'x', { mode: 0o600 })).toThrow(/EEXIST|ENOTDIR/);
    expect(existsSync(join(d, 'nodes'))).toBe(true);
  });

  it('links an alias to an earlier file, keeps a correct link, and re-links after the target was replaced', () => {
    const d = dir();
    const w = new TreeWriter(d);
    w.write('nodes/a/user-data', 'v1', { mode: 0o600 });
    w.link('nodes/by-mac/52-54-00-00-00-01/user-data', 'nodes/a/user-data');
    const alias = join(d, 'nodes/by-mac/52-54-00-00-00-01/user-data');
    expect(statSync(alias).ino).toBe(statSync(join(d, 'nodes/a/user-data')).ino);
    expect(statSync(alias).mode & 0o777).toBe(0o600);
    w.link('nodes/by-mac/52-54-00-00-00-01/user-data', 'nodes/a/user-data');
    expect(readdirSync(join(d, 'nodes/by-mac/52-54-00-00-00-01'))).toEqual(['user-data']);
    w.write('nodes/a/user-data', 'v2', { mode: 0o600 });
    expect(readFileSync(alias, 'utf8')).toBe('v1');
    w.link('nodes/by-mac/52-54-00-00-00-01/user-data', 'nodes/a/user-data');
    expect(readFileSync(alias, 'utf8')).toBe('v2');
  });
});
