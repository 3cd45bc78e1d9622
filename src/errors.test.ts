// Which errors reach the operator as exit 1 with the file and cause named: errno codes of the environment,
// raised by the real file system where this machine can produce them.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountTmpfs, type Tmpfs } from '../test/tmpfs.js';
import { EnvironmentError, environmentError, InvalidInputError, shorten } from './errors.js';
import { main } from './cli/main.js';

const dir = mkdtempSync(join(tmpdir(), 'kgen-errors-'));
const MINIMAL = `cluster:
  name: errs
  kubernetesVersion: v1.33.2
  controlPlaneEndpoint: 10.0.0.11:6443
  certificates:
    keyAlgorithm: ECDSA-P256
nodes:
  - name: cp-1
    role: control-plane
    address: 10.0.0.11
`;

function errnoOf(fn: () => void): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
}

describe('environmentError', () => {
  let ro: Tmpfs;
  beforeAll(() => {
    ro = mountTmpfs(64 * 1024);
    ro.readOnly();
  });
  afterAll(() => ro.unmount());

  it.each([
    { name: 'EISDIR: writing a directory', make: () => errnoOf(() => writeFileSync(dir, 'x')), code: 'EISDIR', text: /is a directory where a file belongs/ },
    { name: 'ENOTDIR: a file as a directory', make: () => (writeFileSync(join(dir, 'f'), ''), errnoOf(() => mkdirSync(join(dir, 'f', 'x')))), code: 'ENOTDIR', text: /part of the path is a file/ },
    { name: 'EROFS: a read-only tmpfs', make: () => errnoOf(() => writeFileSync(join(ro.dir, 'x'), 'x')), code: 'EROFS', text: /the file system is read-only/ },
    { name: 'ENOSPC (as the file door raises it)', make: () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', path: '/s/pki/ca.key' }), code: 'ENOSPC', text: /^\/s\/pki\/ca\.key: no space left on the device/ },
    { name: 'EACCES from a rename names both paths', make: () => Object.assign(new Error('EACCES'), { code: 'EACCES', path: '/a/.x.tmp', dest: '/a/x' }), code: 'EACCES', text: /^\/a\/\.x\.tmp -> \/a\/x: permission denied/ },
  ])('$name', ({ make, code, text }) => {
    const mapped = environmentError(make());
    expect(mapped).toBeInstanceOf(EnvironmentError);
    expect(mapped).toBeInstanceOf(InvalidInputError);
    expect(mapped!.code).toMatch(code);
    expect(mapped!.message).toMatch(text);
  });

  it('finds the errno error in a cause chain', () => {
    const inner = Object.assign(new Error('EROFS'), { code: 'EROFS', path: '/ro/x' });
    expect(environmentError(new Error('writing the state failed', { cause: inner }))?.path).toBe('/ro/x');
  });

  it.each([new Error('plain bug'), Object.assign(new Error('EEXIST'), { code: 'EEXIST', path: '/x' }), 'not an error'])('leaves %s to exit 2', (err) => {
    expect(environmentError(err)).toBeUndefined();
  });

  it('cuts a long path, saying how long it was', () => {
    const path = `/${'a'.repeat(1_000_000)}`;
    const message = environmentError(Object.assign(new Error('x'), { code: 'ENOSPC', path }))!.message;
    expect(message.length).toBeLessThan(5000);
    expect(message).toContain('(1000001 characters)');
  });
});

describe('kgen maps errors to exit codes', () => {
  const run = async (argv: string[], cwd = dir) => {
    const err: string[] = [];
    const code = await main(argv, { stdout: () => undefined, stderr: (t) => err.push(t), cwd });
    return { code, err: err.join('') };
  };

  it('a 1 MB command name is not echoed whole', async () => {
    const { code, err } = await run(['x'.repeat(1_000_000)]);
    expect(code).toBe(1);
    expect(err.length).toBeLessThan(10_000);
    expect(err).toContain('(1000000 characters)');
  });

  it('a 1 MB flag is not echoed whole', async () => {
    const { code, err } = await run(['render', `--${'y'.repeat(1_000_000)}`]);
    expect(code).toBe(1);
    expect(err.length).toBeLessThan(10_000);
  });

  it('render into an unwritable output directory: exit 1 naming the directory', async () => {
    writeFileSync(join(dir, 'nodes.yaml'), MINIMAL);
    // Tests run as root, which ignores permission bits: a path below a regular file (ENOTDIR) fails for root too.
    writeFileSync(join(dir, 'blocker'), '');
    const { code, err } = await run(['render', '--nodes', 'nodes.yaml', '--out', 'blocker/out', '--state', 'state']);
    expect(err).toMatch(/blocker/);
    expect(err).toMatch(/ENOTDIR|EEXIST|not a directory|a file where a directory belongs/);
    expect(code).toBe(1);
  });
});

describe('shorten', () => {
  it('keeps short text', () => expect(shorten('abc', 5)).toBe('abc'));
  it('cuts long text', () => expect(shorten('abcdef', 3)).toBe('abc... (6 characters)'));
});
