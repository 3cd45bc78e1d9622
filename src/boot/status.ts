// Where kgen-boot keeps its progress: /var/lib/kgen/status.json on the node (written atomically through
// the Host as each top-level phase starts and when the run ends), read back by `run` to resume and by `kgen-boot status` to report.
import type { Host } from './host.js';
import type { StatusRecord, StatusStore } from './runner.js';
import { STATUS_FILE } from './constants.js';
import { InvalidInputError } from '../errors.js';

export { STATUS_FILE };

/** status.json is damaged (not JSON, not a status record, not a readable file): the user's to fix, exit 1. */
export class StatusFileError extends InvalidInputError {}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What is wrong with a parsed status record, or undefined when it has the shape the runner relies on. */
function recordProblem(v: unknown): string | undefined {
  if (!isObj(v)) return 'it is not a JSON object';
  if (!Number.isInteger(v.generation)) return '"generation" is not an integer';
  if (typeof v.role !== 'string') return '"role" is not a string';
  if (!['running', 'succeeded', 'failed'].includes(v.state as string)) return '"state" is not running, succeeded or failed';
  if (!Array.isArray(v.phases)) return '"phases" is not a list';
  const bad = v.phases.findIndex((p) => !isObj(p) || typeof p.phase !== 'string' || typeof p.outcome !== 'string' || typeof p.start !== 'string');
  return bad >= 0 ? `"phases[${bad}]" is not a phase record ({phase, outcome, start})` : undefined;
}

export function fileStatusStore(host: Host, path = STATUS_FILE): StatusStore {
  const damaged = (why: string, cause?: unknown) =>
    new StatusFileError(`${path} under root ${host.root} is damaged: ${why}; expected kgen-boot's status record. Remove it to start over.`, { cause });
  return {
    async load() {
      let text: string | undefined;
      try {
        text = await host.readTextIfExists(path);
      } catch (err) {
        throw damaged(`cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, err);
      }
      if (text === undefined) return undefined;
      let record: unknown;
      try {
        record = JSON.parse(text);
      } catch (err) {
        throw damaged(`it is not valid JSON (${(err as Error).message})`, err);
      }
      const problem = recordProblem(record);
      if (problem) throw damaged(problem);
      return record as StatusRecord;
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
