// A NoCloud seed ISO writer in pure TypeScript: an ISO 9660 image with one flat root directory, the
// Rock Ridge (RRIP 1.10) and Joliet extensions, and the volume label `cidata`, which is what
// `cloud-localds` produces with `genisoimage -volid cidata -joliet -rock`.
//
// Why each piece is there:
// - cloud-init's NoCloud datasource finds the seed as a block device with TYPE=iso9660 (or vfat) and
//   LABEL=cidata or CIDATA, mounts it and reads `user-data`, `meta-data` (both required) and the optional
//   `network-config` / `vendor-data` from its root (upstream: cloudinit/sources/DataSourceNoCloud.py,
//   `_get_devices`, `pathprefix2dict(required=["user-data", "meta-data"])`).
// - Plain ISO 9660 names are upper case 8.3 (`USER_DAT.;1`); Linux shows the real lower-case, hyphenated
//   names only through Rock Ridge (NM entries, preferred by the Linux isofs driver when the ER entry is
//   present) or Joliet (UCS-2 names). Both are written, so every reader sees `user-data`.
//
// Layout (2048-byte sectors): 0-15 system area (zero), 16 primary volume descriptor, 17 Joliet
// supplementary volume descriptor, 18 terminator, 19-22 path tables (L/M primary, L/M Joliet),
// 23 SUSP continuation area holding the Rock Ridge ER entry, then the primary root directory, the Joliet
// root directory and the file contents (each file starts on a sector of its own; both trees point at
// the same extents).
//
// Byte-stable: every timestamp is `opts.date` (default SEED_ISO_EPOCH, 2000-01-01T00:00:00Z, a fixed
// constant so two renders of the same files are identical), there are no random identifiers, and
// the order of records is the sorted order the standard requires.
// References: ECMA-119 (ISO 9660) sections 8.4 and 9.1; IEEE P1282 (RRIP 1.10) and P1281 (SUSP 1.10);
// Joliet specification (1995); Linux fs/isofs/rock.c for how the kernel reads SP/ER/NM/PX.

const SECTOR = 2048;

/** The timestamp written everywhere unless the caller passes one. */
export const SEED_ISO_EPOCH = new Date(Date.UTC(2000, 0, 1, 0, 0, 0));

export interface SeedIsoFile {
  /** File name in the root directory, e.g. `user-data`: letters, digits, `.`, `_`, `-`, at most 64. */
  name: string;
  data: Buffer;
}

export interface SeedIsoOptions {
  /** Volume label; default `cidata` (what NoCloud looks for). Letters, digits, `_`, `-`, at most 16. */
  volumeId?: string;
  /** Timestamp of the volume and every file; default SEED_ISO_EPOCH. */
  date?: Date;
}

const FILE_NAME = /^[A-Za-z0-9._-]{1,64}$/;
const VOLUME_ID = /^[A-Za-z0-9_-]{1,16}$/;

const RRIP_ID = 'RRIP_1991A';
const RRIP_DESCRIPTION = 'THE ROCK RIDGE INTERCHANGE PROTOCOL PROVIDES SUPPORT FOR POSIX FILE SYSTEM SEMANTICS';
const RRIP_SOURCE =
  'PLEASE CONTACT DISC PUBLISHER FOR SPECIFICATION SOURCE.  SEE PUBLISHER IDENTIFIER IN PRIMARY VOLUME DESCRIPTOR FOR CONTACT INFORMATION.';

/** POSIX modes recorded in Rock Ridge PX entries: the seed holds secrets, so files are owner-read-only. */
const DIR_MODE = 0o040555;
const FILE_MODE = 0o100400;

// Layout constants (sector numbers).
const PVD_SECTOR = 16;
const JOLIET_SVD_SECTOR = 17;
const TERMINATOR_SECTOR = 18;
const PATH_TABLES = { primaryL: 19, primaryM: 20, jolietL: 21, jolietM: 22 };
const CONTINUATION_SECTOR = 23;
const FIRST_DIRECTORY_SECTOR = 24;
/** A path table holding only the root directory: one 10-byte record (ECMA-119 9.4). */
const PATH_TABLE_SIZE = 10;

/** Builds the seed image. Throws on a name or label that would not survive ISO 9660/Joliet/Rock Ridge. */
export function buildSeedIso(files: SeedIsoFile[], opts: SeedIsoOptions = {}): Buffer {
  const volumeId = opts.volumeId ?? 'cidata';
  const date = opts.date ?? SEED_ISO_EPOCH;
  checkInput(files, volumeId, date);

  // Sorted by name first so the image does not depend on the order the caller listed the files in.
  const entries = assignIsoNames([...files].sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name))));
  const primaryOrder = [...entries].sort((a, b) => compareAscii(isoSortKey(a.isoName), isoSortKey(b.isoName)));
  const jolietOrder = [...entries].sort((a, b) => Buffer.compare(ucs2(a.jolietName), ucs2(b.jolietName)));

  // Record sizes do not depend on extent locations, so the directories can be sized before placing anything.
  const placeholder: Extent = { lba: 0, size: 0 };
  const primarySectors = packedSectors(primaryRecords(primaryOrder, placeholder, placeholder, new Map(), date));
  const jolietSectors = packedSectors(jolietRecords(jolietOrder, placeholder, new Map(), date));

  const primaryRoot: Extent = { lba: FIRST_DIRECTORY_SECTOR, size: primarySectors * SECTOR };
  const jolietRoot: Extent = { lba: primaryRoot.lba + primarySectors, size: jolietSectors * SECTOR };
  let next = jolietRoot.lba + jolietSectors;
  const extents = new Map<string, Extent>();
  for (const entry of entries) {
    // An empty file takes no sector: its extent is the next free sector, with length 0.
    extents.set(entry.name, { lba: next, size: entry.data.length });
    next += Math.ceil(entry.data.length / SECTOR);
  }
  const totalSectors = next;

  const image = Buffer.alloc(totalSectors * SECTOR);
  const continuation: Extent = { lba: CONTINUATION_SECTOR, size: erEntry().length };
  writeDirectory(image, primaryRoot, primaryRecords(primaryOrder, primaryRoot, continuation, extents, date));
  writeDirectory(image, jolietRoot, jolietRecords(jolietOrder, jolietRoot, extents, date));
  erEntry().copy(image, CONTINUATION_SECTOR * SECTOR);
  for (const entry of entries) entry.data.copy(image, extents.get(entry.name)!.lba * SECTOR);

  writePathTables(image, primaryRoot.lba, PATH_TABLES.primaryL, PATH_TABLES.primaryM);
  writePathTables(image, jolietRoot.lba, PATH_TABLES.jolietL, PATH_TABLES.jolietM);

  const common = { totalSectors, pathTableSize: PATH_TABLE_SIZE, date };
  volumeDescriptor({
    ...common,
    type: 1,
    volumeId: Buffer.from(volumeId.padEnd(32, ' '), 'ascii'),
    root: directoryRecord({ id: Buffer.from([0]), extent: primaryRoot, isDir: true, date }),
    pathTables: { l: PATH_TABLES.primaryL, m: PATH_TABLES.primaryM },
    text: (s, n) => Buffer.from(s.padEnd(n, ' '), 'ascii'),
  }).copy(image, PVD_SECTOR * SECTOR);
  volumeDescriptor({
    ...common,
    type: 2,
    volumeId: jolietText(volumeId, 32),
    root: directoryRecord({ id: Buffer.from([0]), extent: jolietRoot, isDir: true, date }),
    pathTables: { l: PATH_TABLES.jolietL, m: PATH_TABLES.jolietM },
    text: jolietText,
  }).copy(image, JOLIET_SVD_SECTOR * SECTOR);
  terminator().copy(image, TERMINATOR_SECTOR * SECTOR);
  return image;
}

interface Extent {
  lba: number;
  size: number;
}

interface Entry {
  name: string;
  data: Buffer;
  /** Primary volume name, ISO 9660 level 1: `USER_DAT.;1`. */
  isoName: string;
  /** Joliet name: the real name without a version suffix, as genisoimage writes it (isoinfo -J wants that). */
  jolietName: string;
}

function checkInput(files: SeedIsoFile[], volumeId: string, date: Date): void {
  if (!VOLUME_ID.test(volumeId)) {
    throw new Error(`seed ISO volume id ${JSON.stringify(volumeId)} is not valid: expected 1-16 letters, digits, '_' or '-' (NoCloud looks for "cidata")`);
  }
  if (Number.isNaN(date.getTime()) || date.getUTCFullYear() < 1970 || date.getUTCFullYear() > 2155) {
    throw new Error(`seed ISO date ${String(date)} is outside what ISO 9660 records can hold (years 1970..2155)`);
  }
  const seen = new Set<string>();
  for (const file of files) {
    if (!FILE_NAME.test(file.name) || file.name === '.' || file.name === '..') {
      throw new Error(`seed ISO file name ${JSON.stringify(file.name)} is not valid: expected 1-64 letters, digits, '.', '_' or '-' (a single name in the root directory)`);
    }
    if (seen.has(file.name)) throw new Error(`seed ISO file ${JSON.stringify(file.name)} is given twice; pass each file once`);
    seen.add(file.name);
    if (file.data.length > 0xffffffff) throw new Error(`seed ISO file ${file.name} is ${file.data.length} bytes; ISO 9660 holds at most 4 GiB per file`);
  }
}

/** Maps names to unique ISO 9660 level 1 names (8.3, d-characters), like genisoimage's default. */
function assignIsoNames(files: SeedIsoFile[]): Entry[] {
  const used = new Set<string>();
  return files.map((file) => {
    const dot = file.name.lastIndexOf('.');
    const stem = dot > 0 ? file.name.slice(0, dot) : file.name;
    const ext = dot > 0 ? file.name.slice(dot + 1) : '';
    const base = dChars(stem).slice(0, 8) || '_';
    const suffix = dChars(ext).slice(0, 3);
    let isoName = `${base}.${suffix};1`;
    for (let n = 1; used.has(isoName); n++) {
      const tag = String(n);
      isoName = `${base.slice(0, 8 - tag.length)}${tag}.${suffix};1`;
    }
    used.add(isoName);
    return { name: file.name, data: file.data, isoName, jolietName: file.name };
  });
}

/** ECMA-119 9.3: records sort by name, then extension, each compared as if padded with spaces. */
function isoSortKey(isoName: string): string {
  const [name = '', ext = ''] = isoName.replace(/;1$/, '').split('.');
  return `${name.padEnd(8, ' ')}${ext.padEnd(3, ' ')}`;
}

function compareAscii(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function dChars(s: string): string {
  return s.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}

function ucs2(s: string): Buffer {
  const out = Buffer.alloc(s.length * 2);
  for (let i = 0; i < s.length; i++) out.writeUInt16BE(s.charCodeAt(i), i * 2);
  return out;
}

/** A Joliet text field: UCS-2 big-endian, padded with UCS-2 spaces to n bytes. */
function jolietText(s: string, n: number): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0; i + 1 < n; i += 2) out.writeUInt16BE(0x20, i);
  ucs2(s).copy(out, 0, 0, n);
  return out;
}

// --- numbers ---------------------------------------------------------------------------------

function both32(value: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32LE(value, 0);
  b.writeUInt32BE(value, 4);
  return b;
}

function both16(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt16LE(value, 0);
  b.writeUInt16BE(value, 2);
  return b;
}

/** ECMA-119 9.1.5: seven bytes, years since 1900, GMT offset 0. */
function recordDate(date: Date): Buffer {
  return Buffer.from([
    date.getUTCFullYear() - 1900,
    date.getUTCMonth() + 1,
    date.getUTCDate(),
    date.getUTCHours(),
    date.getUTCMinutes(),
    date.getUTCSeconds(),
    0,
  ]);
}

/** ECMA-119 8.4.26.1: "YYYYMMDDHHMMSScc" in ASCII digits plus a GMT offset byte. */
function volumeDate(date: Date): Buffer {
  const p = (n: number, w: number) => String(n).padStart(w, '0');
  const text =
    p(date.getUTCFullYear(), 4) + p(date.getUTCMonth() + 1, 2) + p(date.getUTCDate(), 2) +
    p(date.getUTCHours(), 2) + p(date.getUTCMinutes(), 2) + p(date.getUTCSeconds(), 2) + '00';
  return Buffer.concat([Buffer.from(text, 'ascii'), Buffer.from([0])]);
}

/** "Not specified" date (ECMA-119 8.4.26.1): sixteen '0' digits and a zero offset. */
const NO_DATE = Buffer.concat([Buffer.from('0'.repeat(16), 'ascii'), Buffer.from([0])]);

// --- SUSP / Rock Ridge entries -------------------------------------------------------------------

function suspEntry(signature: string, version: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(signature, 'ascii'), Buffer.from([4 + body.length, version]), body]);
}

/** SUSP "SP": marks the root's "." record as using SUSP; check bytes BE EF, nothing skipped. */
function spEntry(): Buffer {
  return suspEntry('SP', 1, Buffer.from([0xbe, 0xef, 0]));
}

/** SUSP "CE": the rest of this record's system use area continues at extent.lba. */
function ceEntry(extent: Extent): Buffer {
  return suspEntry('CE', 1, Buffer.concat([both32(extent.lba), both32(0), both32(extent.size)]));
}

/** SUSP "ER": declares the Rock Ridge extension (RRIP 1.10) in the continuation area. */
function erEntry(): Buffer {
  const id = Buffer.from(RRIP_ID, 'ascii');
  const des = Buffer.from(RRIP_DESCRIPTION, 'ascii');
  const src = Buffer.from(RRIP_SOURCE, 'ascii');
  return suspEntry('ER', 1, Buffer.concat([Buffer.from([id.length, des.length, src.length, 1]), id, des, src]));
}

/** RRIP 1.09 "RR": which Rock Ridge entries follow (bits: PX 0x01, NM 0x08, TF 0x80); old readers want it. */
function rrEntry(flags: number): Buffer {
  return suspEntry('RR', 1, Buffer.from([flags]));
}

/** RRIP "PX" (1.10 form, 36 bytes): mode, link count, uid 0, gid 0. */
function pxEntry(mode: number, links: number): Buffer {
  return suspEntry('PX', 1, Buffer.concat([both32(mode), both32(links), both32(0), both32(0)]));
}

/** RRIP "TF": modify, access and attribute-change times, short form. */
function tfEntry(date: Date): Buffer {
  const d = recordDate(date);
  return suspEntry('TF', 1, Buffer.concat([Buffer.from([0x0e]), d, d, d]));
}

/** RRIP "NM": the POSIX name. */
function nmEntry(name: string): Buffer {
  return suspEntry('NM', 1, Buffer.concat([Buffer.from([0]), Buffer.from(name, 'ascii')]));
}

// --- directory records -----------------------------------------------------------------------------

interface RecordSpec {
  id: Buffer;
  extent: Extent;
  isDir: boolean;
  date: Date;
  systemUse?: Buffer;
}

/** ECMA-119 9.1: one directory record, padded to an even length. */
function directoryRecord(spec: RecordSpec): Buffer {
  const idPad = spec.id.length % 2 === 0 ? 1 : 0;
  let systemUse = spec.systemUse ?? Buffer.alloc(0);
  if ((33 + spec.id.length + idPad + systemUse.length) % 2 === 1) systemUse = Buffer.concat([systemUse, Buffer.alloc(1)]);
  const length = 33 + spec.id.length + idPad + systemUse.length;
  if (length > 255) throw new Error(`internal: ISO 9660 directory record of ${length} bytes exceeds 255`);
  return Buffer.concat([
    Buffer.from([length, 0]),
    both32(spec.extent.lba),
    both32(spec.extent.size),
    recordDate(spec.date),
    Buffer.from([spec.isDir ? 0x02 : 0x00, 0, 0]),
    both16(1),
    Buffer.from([spec.id.length]),
    spec.id,
    Buffer.alloc(idPad),
    systemUse,
  ]);
}

const RR_FLAGS_DIR = 0x01 | 0x80; // PX, TF
const RR_FLAGS_FILE = 0x01 | 0x08 | 0x80; // PX, NM, TF

function primaryRecords(order: Entry[], root: Extent, continuation: Extent, extents: Map<string, Extent>, date: Date): Buffer[] {
  const dirUse = Buffer.concat([rrEntry(RR_FLAGS_DIR), pxEntry(DIR_MODE, 2), tfEntry(date)]);
  // SUSP 5.3: SP must be the first entry of the root's "." record; the ER entry is too long to fit
  // beside it (a record holds at most 255 bytes), so it lives in the continuation area CE points to.
  return [
    directoryRecord({ id: Buffer.from([0]), extent: root, isDir: true, date, systemUse: Buffer.concat([spEntry(), dirUse, ceEntry(continuation)]) }),
    directoryRecord({ id: Buffer.from([1]), extent: root, isDir: true, date, systemUse: dirUse }),
    ...order.map((e) =>
      directoryRecord({
        id: Buffer.from(e.isoName, 'ascii'),
        extent: extents.get(e.name) ?? { lba: 0, size: 0 },
        isDir: false,
        date,
        systemUse: Buffer.concat([rrEntry(RR_FLAGS_FILE), pxEntry(FILE_MODE, 1), tfEntry(date), nmEntry(e.name)]),
      }),
    ),
  ];
}

function jolietRecords(order: Entry[], root: Extent, extents: Map<string, Extent>, date: Date): Buffer[] {
  return [
    directoryRecord({ id: Buffer.from([0]), extent: root, isDir: true, date }),
    directoryRecord({ id: Buffer.from([1]), extent: root, isDir: true, date }),
    ...order.map((e) =>
      directoryRecord({ id: ucs2(e.jolietName), extent: extents.get(e.name) ?? { lba: 0, size: 0 }, isDir: false, date }),
    ),
  ];
}

/** ECMA-119 6.8.1.1: a record never crosses a sector boundary. Returns the sectors the records need. */
function packedSectors(records: Buffer[]): number {
  let sectors = 1;
  let used = 0;
  for (const r of records) {
    if (used + r.length > SECTOR) {
      sectors++;
      used = 0;
    }
    used += r.length;
  }
  return sectors;
}

function writeDirectory(image: Buffer, extent: Extent, records: Buffer[]): void {
  let offset = extent.lba * SECTOR;
  for (const r of records) {
    const inSector = offset % SECTOR;
    if (inSector + r.length > SECTOR) offset += SECTOR - inSector;
    r.copy(image, offset);
    offset += r.length;
  }
}

/** ECMA-119 9.4: the path table of a volume with only a root directory (one 10-byte record). */
function writePathTables(image: Buffer, rootLba: number, lSector: number, mSector: number): void {
  const l = Buffer.from([1, 0, 0, 0, 0, 0, 1, 0, 0, 0]);
  l.writeUInt32LE(rootLba, 2);
  l.writeUInt16LE(1, 6);
  const m = Buffer.from(l);
  m.writeUInt32BE(rootLba, 2);
  m.writeUInt16BE(1, 6);
  l.copy(image, lSector * SECTOR);
  m.copy(image, mSector * SECTOR);
}

// --- volume descriptors ------------------------------------------------------------------------------

interface DescriptorSpec {
  type: 1 | 2;
  volumeId: Buffer;
  totalSectors: number;
  pathTableSize: number;
  pathTables: { l: number; m: number };
  root: Buffer;
  date: Date;
  text: (s: string, n: number) => Buffer;
}

/** ECMA-119 8.4 (primary) and 8.5 (supplementary; Joliet adds the UCS-2 level 3 escape `%/E`). */
function volumeDescriptor(spec: DescriptorSpec): Buffer {
  const d = Buffer.alloc(SECTOR);
  d[0] = spec.type;
  d.write('CD001', 1, 'ascii');
  d[6] = 1;
  spec.text('', 32).copy(d, 8); // system identifier
  spec.volumeId.copy(d, 40);
  both32(spec.totalSectors).copy(d, 80);
  if (spec.type === 2) d.write('%/E', 88, 'ascii');
  both16(1).copy(d, 120); // volume set size
  both16(1).copy(d, 124); // volume sequence number
  both16(SECTOR).copy(d, 128);
  both32(spec.pathTableSize).copy(d, 132);
  d.writeUInt32LE(spec.pathTables.l, 140);
  d.writeUInt32BE(spec.pathTables.m, 148);
  spec.root.copy(d, 156);
  spec.text('', 128).copy(d, 190); // volume set
  spec.text('', 128).copy(d, 318); // publisher
  spec.text('', 128).copy(d, 446); // data preparer
  spec.text('KGEN', 128).copy(d, 574); // application
  spec.text('', 37).copy(d, 702); // copyright file
  spec.text('', 37).copy(d, 739); // abstract file
  spec.text('', 37).copy(d, 776); // bibliographic file
  volumeDate(spec.date).copy(d, 813); // creation
  volumeDate(spec.date).copy(d, 830); // modification
  NO_DATE.copy(d, 847); // expiration
  NO_DATE.copy(d, 864); // effective
  d[881] = 1; // file structure version
  return d;
}

function terminator(): Buffer {
  const d = Buffer.alloc(SECTOR);
  d[0] = 255;
  d.write('CD001', 1, 'ascii');
  d[6] = 1;
  return d;
}
