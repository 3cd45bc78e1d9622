// User-data sizes for the render summary and the --target limits: raw, gzipped and base64.
// The gzipped figure is the exact size of a valid gzip stream of the file, computed cheaply: gzip members
// concatenate (RFC 1952 section 2.2; cloud-init's gzip reader accepts multi-member streams), so the large
// embedded boot program, identical in every node's user-data, is compressed once and only the small
// per-node parts around it (UserData.head and .tail) are compressed per node.
import { gzipSync } from 'node:zlib';
import type { UserData } from './cloud-config.js';

export interface Sizes {
  raw: number;
  gzip: number;
  base64: number;
}

function base64Length(n: number): number {
  return 4 * Math.ceil(n / 3);
}

export class SizeMeter {
  private readonly gzipped = new Map<string, number>();

  measure(u: UserData): Sizes {
    const raw = Buffer.byteLength(u.head) + Buffer.byteLength(u.embedded) + Buffer.byteLength(u.tail);
    let shared = this.gzipped.get(u.embedded);
    if (shared === undefined) {
      shared = u.embedded ? gzipSync(u.embedded).length : 0;
      this.gzipped.set(u.embedded, shared);
    }
    const gzip = gzipSync(u.head).length + shared + (u.tail ? gzipSync(u.tail).length : 0);
    return { raw, gzip, base64: base64Length(raw) };
  }
}

/** Provider limits on user-data, raw bytes (each provider's documentation). */
export const TARGET_LIMITS = {
  aws: 16384,
  azure: 64 * 1024,
  gcp: 256 * 1024,
  openstack: 64 * 1024,
  vsphere: 64 * 1024,
  hetzner: 32 * 1024,
  nocloud: Infinity,
} as const;

export type Target = keyof typeof TARGET_LIMITS;
