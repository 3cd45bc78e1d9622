// Small write helpers shared by phases: write only when the content differs, so a re-run neither
// touches mtimes nor makes the kubelet restart a static pod whose manifest did not change.
import type { Host, WriteOptions } from '../host.js';

/** Writes `content` unless the file already holds exactly it; returns whether it wrote. */
export async function writeIfChanged(host: Host, path: string, content: string, options?: WriteOptions): Promise<boolean> {
  if ((await host.readTextIfExists(path)) === content) return false;
  await host.writeFile(path, content, options);
  return true;
}
