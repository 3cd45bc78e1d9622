// undici, as kgen-boot uses it: only the Agent and request modules (not the package index), loaded on first
// use, so the boot bundle stays small and `kgen-boot --version` starts fast. One loader for every HTTPS
// client in the boot program (API server, discovery, etcd).
export type Undici = { Agent: typeof import('undici').Agent; request: typeof import('undici/lib/api/api-request.js').default };

let undici: Promise<Undici> | undefined;

export function loadUndici(): Promise<Undici> {
  undici ??= Promise.all([import('undici/lib/dispatcher/agent.js'), import('undici/lib/api/api-request.js')]).then(([a, r]) => ({
    Agent: a.default,
    request: r.default,
  }));
  return undici;
}
