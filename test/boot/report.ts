// Reading what a booted test VM reported on its serial console (see hooks.ts) into assertable data.
import { LOG_BEGIN, LOG_END, RESULT_BEGIN, RESULT_END, STATUS_BEGIN, STATUS_END, between } from './hooks.js';

export interface BootReport {
  nodeYamlPresent: boolean;
  /** Global IPv4 addresses as `interface=address/prefix`, from `ip -o -4 addr`. */
  addresses: string[];
  /** /run/cloud-init/result.json: {"v1": {"datasource": "DataSourceNoCloud [seed=...]", "errors": []}}. */
  cloudInit?: { v1?: { datasource?: string; errors?: string[] } };
  /** /var/lib/kgen/status.json. */
  status?: { state?: string; role?: string; phases?: Array<{ phase: string; outcome: string; error?: string }> };
  bootLog: string;
  /** `command -v node` in the reporter's systemd PATH, or null when the image has no node. */
  nodeBinary: string | null;
  /** sha256 of /usr/local/bin/kgen-boot (the executable of delivery url and baked), or null when absent. */
  bootSha256: string | null;
}

function parseJson<T>(text: string | undefined): T | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** The value of a `KGEN-TEST: <key> <value>` line; null when it says none or is missing. */
function lineValue(serial: string, key: string): string | null {
  const value = new RegExp(`KGEN-TEST: ${key} (\\S+)`).exec(serial)?.[1];
  return value === undefined || value === 'none' ? null : value;
}

export function parseReport(serial: string): BootReport {
  return {
    nodeYamlPresent: /KGEN-TEST: node\.yaml present/.test(serial),
    addresses: (/KGEN-TEST: addresses (.*)/.exec(serial)?.[1] ?? '').trim().split(/\s+/).filter(Boolean),
    cloudInit: parseJson(between(serial, RESULT_BEGIN, RESULT_END)),
    status: parseJson(between(serial, STATUS_BEGIN, STATUS_END)),
    bootLog: between(serial, LOG_BEGIN, LOG_END) ?? '',
    nodeBinary: lineValue(serial, 'node binary'),
    bootSha256: lineValue(serial, 'kgen-boot sha256'),
  };
}
