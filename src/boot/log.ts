// kgen-boot's logger: kubeadm-style lines ("[certs] Generating "apiserver" certificate and key", as
// upstream's phases print them with fmt.Printf("[certs] ...")) to stdout and appended to
// <root>/var/log/kgen-boot.log, each file line prefixed with an RFC 3339 timestamp.
// Safety net: every line passes a redactor that replaces the known secret values of this node's config
// (token secrets, certificate key, encryption key) and any PEM private-key block with "<redacted>".
// Phases must still never log secrets; the redactor only catches mistakes.
import type { NodeBootConfig } from '../contract/config.js';
import type { Clock } from './host.js';
import { LOG_FILE } from './constants.js';
import { REDACTED } from '../cluster/dry-run-print.js';

export { LOG_FILE };

export interface Logger {
  /** A kubeadm-style line: `[tag] message`. */
  phase(tag: string, message: string): void;
  /** A plain line (summaries, tables). */
  info(message: string): void;
  /** A warning line: `[tag] WARNING: message` or `WARNING: message`. */
  warn(message: string, tag?: string): void;
  /** An error line, to stderr (and the log file). */
  error(message: string): void;
  /** The redactor applied to every line, for text stored elsewhere (the status record). */
  redact(text: string): string;
  /** Registers values that must never appear in output (e.g. once node.yaml is read). */
  addSecrets(values: Iterable<string | undefined>): void;
  /** Resolves once every line so far reached the log file. */
  flush(): Promise<void>;
}

export interface LogSinks {
  stdout(text: string): void;
  /** Where error lines go; default stdout. */
  stderr?: (text: string) => void;
  /** Appends to the log file; errors are reported once to stdout and then ignored. */
  file?: (text: string) => Promise<void>;
  clock: Clock;
}

const PEM_PRIVATE_KEY = /-----BEGIN ([A-Z0-9 ]*PRIVATE KEY)-----[\s\S]*?-----END \1-----/g;
export { REDACTED };

/** Replaces secret values and PEM private-key blocks in `text`. Short values (< 6 chars) are ignored. */
export class Redactor {
  private readonly secrets = new Set<string>();

  add(values: Iterable<string | undefined>): void {
    for (const v of values) if (v && v.length >= 6) this.secrets.add(v);
  }

  redact(text: string): string {
    let out = text.replace(PEM_PRIVATE_KEY, REDACTED);
    // Longest first so a token "<id>.<secret>" is replaced whole before its secret part.
    for (const s of [...this.secrets].sort((a, b) => b.length - a.length)) out = out.split(s).join(REDACTED);
    return out;
  }
}

/** The secret values a node config carries: what the redactor must hide. */
export function secretValues(config: NodeBootConfig): string[] {
  const s = config.secrets;
  const tokens = s?.bootstrapTokens ?? [];
  return [
    config.discovery.token,
    config.discovery.token.split('.')[1] ?? '',
    config.certificateKey ?? '',
    s?.encryptionKey ?? '',
    ...tokens.flatMap((t) => [`${t.id}.${t.secret}`, t.secret]),
    ...[s?.ca.key, s?.frontProxyCA.key, s?.etcdCA?.key, s?.sa.key, s?.externalEtcd?.key].filter((k): k is string => !!k),
  ];
}

export function createLogger(sinks: LogSinks): Logger {
  const redactor = new Redactor();
  let fileBroken = false;
  // Appends are chained so lines reach the file in order.
  let pending: Promise<void> = Promise.resolve();
  const emit = (line: string, toStderr = false) => {
    const safe = redactor.redact(line);
    (toStderr ? (sinks.stderr ?? sinks.stdout) : sinks.stdout)(`${safe}\n`);
    const file = sinks.file;
    if (!file) return;
    const stamped = `${sinks.clock.now().toISOString()} ${safe}\n`;
    pending = pending.then(async () => {
      if (fileBroken) return;
      try {
        await file(stamped);
      } catch (err) {
        fileBroken = true;
        sinks.stdout(`WARNING: cannot write ${LOG_FILE}: ${(err as Error).message}; logging to stdout only\n`);
      }
    });
  };
  return {
    phase: (tag, message) => emit(`[${tag}] ${message}`),
    info: (message) => emit(message),
    warn: (message, tag) => emit(tag ? `[${tag}] WARNING: ${message}` : `WARNING: ${message}`),
    error: (message) => emit(message, true),
    redact: (text) => redactor.redact(text),
    addSecrets: (values) => redactor.add(values),
    flush: () => pending,
  };
}
