// Where kgen-boot keeps its progress: /var/lib/kgen/status.json on the node (written atomically through
// the Host as each top-level phase starts and when the run ends), read back by `run` to resume and by `kgen-boot status` to report.
import type { Host } from './host.js';
import type { StatusRecord, StatusStore } from './runner.js';
import { STATUS_FILE } from './constants.js';

export { STATUS_FILE };

export function fileStatusStore(host: Host, path = STATUS_FILE): StatusStore {
  return {
    async load() {
      const text = await host.readTextIfExists(path);
      if (text === undefined) return undefined;
      try {
        return JSON.parse(text) as StatusRecord;
      } catch (err) {
        throw new Error(`${path} is not valid JSON (${(err as Error).message}); expected kgen-boot's status record. Remove it to start over.`, { cause: err });
      }
    },
    save: (record) => host.writeFile(path, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o644 }),
  };
}

/** A store that starts from `initial` and keeps changes in memory (dry runs must not mark phases done). */
export function memoryStatusStore(initial?: StatusRecord): StatusStore & { current(): StatusRecord | undefined } {
  let current = initial ? structuredClone(initial) : undefined;
  return {
    load: async () => (current ? structuredClone(current) : undefined),
    save: async (record) => {
      current = structuredClone(record);
    },
    current: () => current,
  };
}

/** The human-readable `kgen-boot status` table. */
export function formatStatus(record: StatusRecord): string {
  const width = Math.max(5, ...record.phases.map((p) => p.phase.length));
  const lines = [
    `state: ${record.state} (role ${record.role}, generation ${record.generation})`,
    `${'PHASE'.padEnd(width)}  ${'OUTCOME'.padEnd(8)}  ${'START'.padEnd(24)}  END`,
    ...record.phases.map((p) => `${p.phase.padEnd(width)}  ${p.outcome.padEnd(8)}  ${p.start.padEnd(24)}  ${p.end ?? '-'}`),
    ...record.phases.filter((p) => p.error).map((p) => `error: ${p.error}`),
  ];
  return lines.join('\n') + '\n';
}
