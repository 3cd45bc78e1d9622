#!/usr/bin/env node
// The installed `kgen` command: runs the CLI that `npm run build` (also run by `npm ci`) bundles.
import { existsSync } from 'node:fs';

const cli = new URL('../build/kgen.mjs', import.meta.url);
if (!existsSync(cli)) {
  console.error('kgen: build/kgen.mjs is missing; run `npm run build` (or `npm ci`) in the kgen checkout first');
  process.exit(2);
}
await import(cli.href);
