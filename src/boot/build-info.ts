// What `kgen-boot --version` reports: the package version, the Kubernetes range this build supports, and
// the sha256 of the running program file itself (the .mjs bundle, or a self-contained executable), so an
// operator can compare it with the pinned sha256 of `boot.delivery: url` or with `kgen render`'s output.
// The build is deterministic, so the hash identifies it.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pkg from '../../package.json' with { type: 'json' };
import { SUPPORTED_RANGE } from '../versions.js';

export const KGEN_VERSION: string = pkg.version;

export interface BuildInfo {
  version: string;
  kubernetes: string;
  /** sha256 hex of the running program file, or undefined when it cannot be read. */
  sha256?: string;
  node: string;
}

export async function buildInfo(moduleUrl: string, nodeVersion: string): Promise<BuildInfo> {
  let sha256: string | undefined;
  try {
    // Streamed: the self-contained executables are ~95 MB (Node itself), too much to hold twice.
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(fileURLToPath(moduleUrl), { highWaterMark: 1 << 20 })) hash.update(chunk);
    sha256 = hash.digest('hex');
  } catch {
    sha256 = undefined;
  }
  return { version: KGEN_VERSION, kubernetes: SUPPORTED_RANGE, sha256, node: nodeVersion };
}

export function formatBuildInfo(info: BuildInfo): string {
  return [
    `kgen-boot ${info.version}`,
    `  kubernetes: ${info.kubernetes}`,
    `  bundle sha256: ${info.sha256 ?? 'unknown (not running from a file)'}`,
    `  node: ${info.node}`,
  ].join('\n');
}
