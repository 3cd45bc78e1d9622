// The damaged-state table: each file of a state damaged in each way that applies to it, then `kgen render`
// through the CLI's main(). Every case must exit 1, name the damaged file, and change nothing (the state
// and the output are as they were). Plus the CA's clock: expired refused, near its end warned.
import { execFileSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { realOperatorHost } from '../../src/operator-host.js';
import { copyDir, renderIn, workDir } from './fixture.js';

type Damage = 'missing' | 'empty' | 'truncated' | 'garbage' | 'directory' | 'fifo' | 'foreign' | 'readable';

interface StateFileSpec {
  rel: string;
  private: boolean;
  /** A copy from another state is caught (a key that does not match its certificate or public key). */
  foreignCaught: boolean;
  /** A missing file is refused (optional files are filled in or not needed). */
  required: boolean;
}

const FILES: StateFileSpec[] = [
  { rel: 'state.yaml', private: true, foreignCaught: false, required: true },
  ...['pki/ca', 'pki/front-proxy-ca', 'pki/etcd/ca'].flatMap((base) => [
    { rel: `${base}.crt`, private: false, foreignCaught: true, required: base !== 'pki/etcd/ca' },
    { rel: `${base}.key`, private: true, foreignCaught: true, required: true },
  ]),
  { rel: 'pki/sa.key', private: true, foreignCaught: true, required: true },
  { rel: 'pki/sa.pub', private: false, foreignCaught: true, required: true },
  { rel: 'certificate-key', private: true, foreignCaught: false, required: true },
  { rel: 'encryption-key', private: true, foreignCaught: false, required: false },
  { rel: 'tokens/TOKEN.yaml', private: true, foreignCaught: false, required: true },
  { rel: 'generations.yaml', private: false, foreignCaught: false, required: false },
];

const DAMAGES: Damage[] = ['missing', 'empty', 'truncated', 'garbage', 'directory', 'fifo', 'foreign', 'readable'];

function applies(file: StateFileSpec, damage: Damage): boolean {
  if (damage === 'missing') return file.required;
  if (damage === 'foreign') return file.foreignCaught;
  if (damage === 'readable') return file.private;
  return true;
}

/** Type, mode and bytes of everything below `dir`, without reading FIFOs. */
function listing(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel))) {
      const child = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(dir, child));
      if (st.isDirectory()) {
        out[child] = `dir ${st.mode & 0o777}`;
        walk(child);
      } else out[child] = st.isFile() ? `file ${st.mode & 0o777} ${readFileSync(join(dir, child)).toString('base64')}` : `other ${st.mode & 0o777}`;
    }
  };
  walk('');
  return out;
}

let base: string;
let other: string;
let tokenFile: string;
beforeAll(async () => {
  base = workDir();
  await renderIn(base, realOperatorHost, { reimage: ['w-1'] });
  other = workDir();
  await renderIn(other);
  tokenFile = readdirSync(join(base, 'state/tokens'))[0]!;
});

function damage(work: string, rel: string, how: Damage): void {
  const path = join(work, 'state', rel);
  const bytes = readFileSync(path);
  switch (how) {
    case 'missing': return rmSync(path);
    case 'empty': return truncateSync(path, 0);
    case 'truncated': return truncateSync(path, Math.floor(bytes.length / 2));
    case 'garbage': return writeFileSync(path, Buffer.from(Array.from({ length: bytes.length }, (_, i) => (i * 131 + 7) % 256)));
    case 'directory':
      rmSync(path);
      return void mkdirSync(path);
    case 'fifo':
      rmSync(path);
      return void execFileSync('mkfifo', ['-m', '600', path]);
    case 'foreign': return writeFileSync(path, readFileSync(join(other, 'state', rel)));
    case 'readable': return chmodSync(path, 0o644);
  }
}

const cases = FILES.flatMap((file) => DAMAGES.filter((d) => applies(file, d)).map((how) => ({ name: `${file.rel} ${how}`, file, how })));

describe('a damaged state is refused, naming the file, and nothing changes', () => {
  it('has a case for each file and each damage that applies', () => {
    expect(cases.length).toBeGreaterThanOrEqual(70);
  });

  it.each(cases)('$name', async ({ file, how }) => {
    const work = workDir();
    copyDir(base, work);
    const rel = file.rel.replace('TOKEN.yaml', tokenFile);
    damage(work, rel, how);
    const before = listing(work);
    const err: string[] = [];
    const code = await main(['render', '--nodes', 'nodes.yaml', '--out', 'out', '--state', 'state'], { stdout: () => undefined, stderr: (t) => err.push(t), cwd: work });
    const message = err.join('');
    expect(code, message).toBe(1);
    // A certificate from another state is found out through its key; a missing token as an empty tokens/.
    const named = how === 'foreign' && rel.endsWith('.crt') ? rel.replace(/\.crt$/, '.key') : how === 'missing' && rel.startsWith('tokens/') ? 'tokens/' : rel;
    expect(message).toContain(named);
    expect(message).not.toMatch(/at .*\.ts:\d+/);
    expect(listing(work)).toEqual(before);
  });
});

describe("the CAs' validity against the render's clock", () => {
  const YEAR = 365 * 24 * 3600 * 1000;
  const at = (offset: number) => ({ ...realOperatorHost, clock: { ...realOperatorHost.clock, now: () => new Date(Date.now() + offset) } });

  it('an expired CA is refused, naming it, and nothing changes', async () => {
    const work = workDir();
    copyDir(base, work);
    const before = listing(work);
    await expect(renderIn(work, at(11 * YEAR))).rejects.toThrow(/pki\/ca\.crt expired at /);
    expect(listing(work)).toEqual(before);
  });

  it('a CA near its end is warned about, and the render goes on', async () => {
    const work = workDir();
    copyDir(base, work);
    const report = await renderIn(work, at(9.95 * YEAR));
    expect(report.warnings.join('\n')).toMatch(/pki\/ca\.crt/);
  });
});
