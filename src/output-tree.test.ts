// The render output tree: byte-stable rewrites, hard-linked aliases, and pruning by the written record.
import { describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutputTree } from './output-tree.js';
import { diskFs } from './operator-host.js';

const dir = () => mkdtempSync(join(tmpdir(), 'kgen-output-tree-'));

describe('OutputTree', () => {
  it('leaves a file with the same bytes and mode untouched, rewrites one that differs in bytes or mode', () => {
    const d = dir();
    const w = new OutputTree(d, diskFs);
    w.write('n/user-data', 'x', { mode: 0o600 });
    w.write('n/meta-data', 'm', { mode: 0o644 });
    w.commit();
    const past = new Date('2001-01-01T00:00:00Z');
    utimesSync(join(d, 'n/user-data'), past, past);
    utimesSync(join(d, 'n/meta-data'), past, past);

    const again = new OutputTree(d, diskFs);
    again.write('n/user-data', 'x', { mode: 0o600 });
    again.write('n/meta-data', 'changed', { mode: 0o644 });
    again.commit();
    expect(statSync(join(d, 'n/user-data')).mtime).toEqual(past);
    expect(statSync(join(d, 'n/meta-data')).mtime).not.toEqual(past);
    expect(readFileSync(join(d, 'n/meta-data'), 'utf8')).toBe('changed');

    chmodSync(join(d, 'n/user-data'), 0o644);
    again.write('n/user-data', 'x', { mode: 0o600 });
    again.commit();
    expect(statSync(join(d, 'n/user-data')).mode & 0o777).toBe(0o600);
  });

  it('prunes only what the earlier render recorded and this one did not, then the directories that leaves empty', () => {
    const d = dir();
    const first = new OutputTree(d, diskFs);
    for (const rel of ['nodes/a/user-data', 'nodes/b/user-data', 'nodes/b/meta-data', 'nodes/by-mac/x/user-data', 'pxe/x.ipxe', 'pxe/boot.ipxe']) {
      first.write(rel, rel, { mode: 0o644 });
    }
    first.commit();
    const record = first.record();
    writeFileSync(join(d, 'pxe/operator.kpxe'), 'mine');
    writeFileSync(join(d, 'nodes/b/nodes.yaml'), 'the inventory, put here by the operator');
    mkdirSync(join(d, 'nodes/empty'));

    const second = new OutputTree(d, diskFs);
    second.write('nodes/a/user-data', 'nodes/a/user-data', { mode: 0o644 });
    second.write('pxe/boot.ipxe', 'pxe/boot.ipxe', { mode: 0o644 });
    second.commit();
    expect(second.prune(record)).toEqual(['nodes/b/meta-data', 'nodes/b/user-data', 'nodes/by-mac/x/user-data', 'pxe/x.ipxe']);
    expect(readdirSync(join(d, 'nodes')).sort()).toEqual(['a', 'b', 'empty']);
    expect(readdirSync(join(d, 'nodes/b'))).toEqual(['nodes.yaml']);
    expect(readdirSync(join(d, 'pxe')).sort()).toEqual(['boot.ipxe', 'operator.kpxe']);
    expect(second.prune(second.record())).toEqual([]);
  });

  it('ignores recorded paths that leave the tree or are no longer regular files', () => {
    const d = dir();
    writeFileSync(join(d, 'outside'), 'x');
    mkdirSync(join(d, 'nodes/dir'), { recursive: true });
    const tree = new OutputTree(join(d, 'nodes'), diskFs);
    expect(tree.prune(['../outside', '/etc/passwd', 'dir', '', 'a//b'])).toEqual([]);
    expect(existsSync(join(d, 'outside'))).toBe(true);
    expect(existsSync(join(d, 'nodes/dir'))).toBe(true);
  });

  it('refuses to write below a file that sits where a directory should be, and keeps that file', () => {
    const d = dir();
    writeFileSync(join(d, 'nodes'), 'not a directory');
    expect(() => new OutputTree(d, diskFs).write('nodes/a/user-data', 'x', { mode: 0o600 })).toThrow(/EEXIST|ENOTDIR/);
    expect(existsSync(join(d, 'nodes'))).toBe(true);
  });

  it('links an alias to an earlier file, keeps a correct link, and re-links after the target was replaced', () => {
    const d = dir();
    const w = new OutputTree(d, diskFs);
    w.write('nodes/a/user-data', 'v1', { mode: 0o600 });
    w.link('nodes/by-mac/52-54-00-00-00-01/user-data', 'nodes/a/user-data');
    w.commit();
    const alias = join(d, 'nodes/by-mac/52-54-00-00-00-01/user-data');
    expect(statSync(alias).ino).toBe(statSync(join(d, 'nodes/a/user-data')).ino);
    expect(statSync(alias).mode & 0o777).toBe(0o600);
    w.link('nodes/by-mac/52-54-00-00-00-01/user-data', 'nodes/a/user-data');
    w.commit();
    expect(readdirSync(join(d, 'nodes/by-mac/52-54-00-00-00-01'))).toEqual(['user-data']);
    w.write('nodes/a/user-data', 'v2', { mode: 0o600 });
    w.commit();
    expect(readFileSync(alias, 'utf8')).toBe('v1');
    w.link('nodes/by-mac/52-54-00-00-00-01/user-data', 'nodes/a/user-data');
    w.commit();
    expect(readFileSync(alias, 'utf8')).toBe('v2');
  });

  it('changes nothing visible before commit(), and discard() leaves nothing behind', () => {
    const d = dir();
    const first = new OutputTree(d, diskFs);
    first.write('nodes/a/user-data', 'v1', { mode: 0o600 });
    first.commit();
    const second = new OutputTree(d, diskFs);
    second.write('nodes/a/user-data', 'v2', { mode: 0o600 });
    second.write('nodes/b/user-data', 'new', { mode: 0o600 });
    second.link('nodes/by-mac/x/user-data', 'nodes/a/user-data');
    expect(readFileSync(join(d, 'nodes/a/user-data'), 'utf8')).toBe('v1');
    expect(existsSync(join(d, 'nodes/b/user-data'))).toBe(false);
    second.discard();
    expect(readdirSync(join(d, 'nodes/a'))).toEqual(['user-data']);
    expect(readdirSync(join(d, 'nodes/b'))).toEqual([]);
    expect(readdirSync(join(d, 'nodes/by-mac/x'))).toEqual([]);
  });
});
