// Reads images from buildSeedIso back with the real Debian tools (xorriso, isoinfo from genisoimage,
// blkid, file) and compares every file byte for byte.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildSeedIso, SEED_ISO_EPOCH, type SeedIsoFile } from './iso9660.js';

const work = mkdtempSync(join(tmpdir(), 'kgen-iso-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function patterned(length: number, seed: number): Buffer {
  const b = Buffer.alloc(length);
  for (let i = 0; i < length; i++) b[i] = (i * 31 + seed * 17 + (i >> 11)) & 0xff;
  return b;
}

const seedFiles: SeedIsoFile[] = [
  { name: 'user-data', data: Buffer.from('#cloud-config\nhostname: cp-1\n') },
  { name: 'meta-data', data: Buffer.from('instance-id: cp-1\nlocal-hostname: cp-1\n') },
  { name: 'network-config', data: Buffer.from('version: 2\nethernets: {}\n') },
];

const cases: { name: string; files: SeedIsoFile[] }[] = [
  { name: 'the three NoCloud files', files: seedFiles },
  { name: 'an empty file beside others', files: [...seedFiles.slice(0, 2), { name: 'network-config', data: Buffer.alloc(0) }] },
  {
    name: 'files larger than 64 KiB (many sectors, not sector-aligned)',
    files: [
      { name: 'user-data', data: patterned(70_001, 1) },
      { name: 'meta-data', data: patterned(2048, 2) },
      { name: 'vendor-data', data: patterned(300_000, 3) },
    ],
  },
  {
    name: 'names whose 8.3 forms collide and a root directory spanning several sectors',
    files: Array.from({ length: 40 }, (_, i) => ({
      name: `network-config-${String(i).padStart(2, '0')}-${'x'.repeat(40)}`,
      data: Buffer.from(`file ${i}\n`),
    })),
  },
];

function iso(name: string, files: SeedIsoFile[]): string {
  const path = join(work, `${name.replace(/\W+/g, '_')}.iso`);
  writeFileSync(path, buildSeedIso(files));
  return path;
}

function run(cmd: string, args: string[]): Buffer {
  return execFileSync(cmd, args, { maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('buildSeedIso read back by real tools', () => {
  it.each(cases)('xorriso lists and extracts exactly the files: $name', ({ name, files }) => {
    const path = iso(name, files);
    const listed = run('xorriso', ['-indev', path, '-find', '/', '-type', 'f'])
      .toString()
      .split('\n')
      .filter((l) => l.startsWith("'"))
      .map((l) => l.replace(/^'\/(.*)'$/, '$1'))
      .sort();
    expect(listed).toEqual(files.map((f) => f.name).sort());

    const out = join(work, `${name.replace(/\W+/g, '_')}.extract`);
    run('xorriso', ['-osirrox', 'on', '-indev', path, '-extract', '/', out]);
    expect(readdirSync(out).sort()).toEqual(files.map((f) => f.name).sort());
    for (const f of files) expect(readFileSync(join(out, f.name)).equals(f.data), f.name).toBe(true);
  });

  it.each(cases)('isoinfo reads every file through Rock Ridge and through Joliet: $name', ({ name, files }) => {
    const path = iso(name, files);
    for (const f of files) {
      expect(run('isoinfo', ['-i', path, '-R', '-x', `/${f.name}`]).equals(f.data), `-R ${f.name}`).toBe(true);
      expect(run('isoinfo', ['-i', path, '-J', '-x', `/${f.name}`]).equals(f.data), `-J ${f.name}`).toBe(true);
    }
  });

  it('isoinfo -d reports volume id cidata, Joliet and Rock Ridge', () => {
    const text = run('isoinfo', ['-d', '-i', iso('describe', seedFiles)]).toString();
    expect(text).toMatch(/^Volume id: cidata$/m);
    expect(text).toMatch(/Joliet with UCS level 3 found/);
    expect(text).toMatch(/Rock Ridge signatures version 1 found/);
  });

  it('honours another volume id', () => {
    const path = join(work, 'label.iso');
    writeFileSync(path, buildSeedIso(seedFiles, { volumeId: 'CIDATA' }));
    expect(run('isoinfo', ['-d', '-i', path]).toString()).toMatch(/^Volume id: CIDATA$/m);
  });

  it('blkid and file recognise an ISO 9660 file system labelled cidata', () => {
    const path = iso('probe', seedFiles);
    const blkid = run('blkid', ['-p', '-o', 'export', path]).toString();
    expect(blkid).toMatch(/^TYPE=iso9660$/m);
    expect(blkid).toMatch(/^LABEL=cidata$/m);
    expect(run('file', ['-b', path]).toString()).toMatch(/ISO 9660 CD-ROM filesystem data 'cidata'/);
  });

  it('records Rock Ridge modes: files owner-read-only, directory r-x', () => {
    const listing = run('isoinfo', ['-i', iso('modes', seedFiles), '-R', '-l']).toString();
    expect(listing).toMatch(/^-r-------- +1 +0 +0 +\d+ Jan +1 2000 .* user-data $/m);
    expect(listing).toMatch(/^dr-xr-xr-x .* \. $/m);
  });
});

describe('buildSeedIso is byte-stable', () => {
  it('two builds of the same files are identical', () => {
    expect(buildSeedIso(seedFiles).equals(buildSeedIso(seedFiles))).toBe(true);
  });

  it('input order does not matter', () => {
    expect(buildSeedIso([...seedFiles].reverse()).equals(buildSeedIso(seedFiles))).toBe(true);
  });

  it('uses the given date, and SEED_ISO_EPOCH by default', () => {
    const dated = buildSeedIso(seedFiles, { date: new Date(Date.UTC(2024, 4, 6, 7, 8, 9)) });
    expect(dated.subarray(16 * 2048 + 813, 16 * 2048 + 829).toString('ascii')).toBe('2024050607080900');
    expect(buildSeedIso(seedFiles).subarray(16 * 2048 + 813, 16 * 2048 + 829).toString('ascii')).toBe(
      SEED_ISO_EPOCH.toISOString().replace(/\D/g, '').slice(0, 14) + '00',
    );
  });
});

describe('buildSeedIso directory order', () => {
  /** File identifiers of the primary root directory, in record order (ECMA-119 9.1). */
  function primaryIdentifiers(image: Buffer): string[] {
    const root = image.readUInt32LE(16 * 2048 + 156 + 2);
    const size = image.readUInt32LE(16 * 2048 + 156 + 10);
    const ids: string[] = [];
    for (let at = root * 2048; at < root * 2048 + size; ) {
      const length = image[at]!;
      if (length === 0) {
        at = (Math.floor(at / 2048) + 1) * 2048;
        continue;
      }
      const id = image.subarray(at + 33, at + 33 + image[at + 32]!);
      if (id.length > 1 || id[0]! > 1) ids.push(id.toString('ascii'));
      at += length;
    }
    return ids;
  }

  it('sorts primary names by name, then extension, as if space-padded (not by raw bytes)', () => {
    const files = ['ab', 'a.1', 'a'].map((name) => ({ name, data: Buffer.from(name) }));
    expect(primaryIdentifiers(buildSeedIso(files))).toEqual(['A.;1', 'A.1;1', 'AB.;1']);
  });
});

describe('buildSeedIso refuses what it cannot represent', () => {
  it.each([
    { name: 'a path', files: [{ name: 'nodes/user-data', data: Buffer.alloc(1) }], error: /file name "nodes\/user-data" is not valid/ },
    { name: 'a space', files: [{ name: 'user data', data: Buffer.alloc(1) }], error: /file name "user data" is not valid/ },
    { name: 'an empty name', files: [{ name: '', data: Buffer.alloc(1) }], error: /file name "" is not valid/ },
    { name: 'a dot-dot name', files: [{ name: '..', data: Buffer.alloc(1) }], error: /file name "\.\." is not valid/ },
    { name: 'a name over 64 characters', files: [{ name: 'a'.repeat(65), data: Buffer.alloc(1) }], error: /is not valid/ },
    { name: 'a duplicate', files: [...seedFiles, seedFiles[0]!], error: /"user-data" is given twice/ },
  ])('rejects $name', ({ files, error }) => {
    expect(() => buildSeedIso(files)).toThrow(error);
  });

  it.each(['', 'seed data', 'x'.repeat(17)])('rejects volume id %j', (volumeId) => {
    expect(() => buildSeedIso(seedFiles, { volumeId })).toThrow(/volume id .* is not valid/);
  });
});
