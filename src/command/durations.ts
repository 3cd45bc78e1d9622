// Durations on the command line: Go syntax in ("24h", "1h30m", as kubeadm's flags take them) and
// apimachinery's short human form out ("23h", "364d", as kubeadm prints TTL and RESIDUAL TIME columns;
// upstream: k8s.io/apimachinery/pkg/util/duration/duration.go ShortHumanDuration).
import { duration } from '../inventory/formats.js';
import { UsageError } from './command.js';

/** A flag's Go duration in seconds; `zeroAllowed` accepts "0" (kubeadm's "never expires" for --ttl). */
export function flagSeconds(flag: string, value: string, opts: { zeroAllowed?: boolean } = {}): number {
  if (opts.zeroAllowed && /^0+(?:\.0*)?(?:ns|us|µs|ms|s|m|h)?$/.test(value)) return 0;
  const parsed = duration('seconds')(value);
  if ('error' in parsed) throw new UsageError(`--${flag}: ${parsed.error}`);
  return parsed.value;
}

/** ShortHumanDuration: "<invalid>" when more than a second in the past, then s, m, h, d, y (truncated). */
export function shortHumanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 24) return `${hours}h`;
  if (hours < 24 * 365) return `${Math.trunc(hours / 24)}d`;
  return `${Math.trunc(hours / 24 / 365)}y`;
}
