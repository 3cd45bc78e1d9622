// A minimal Kubernetes REST client for the test kubelet: JSON over HTTPS with the credentials of one
// kubeconfig (client certificate or bearer token), one request per call, no caching, no watch.
import { request } from 'node:https';
import type { ClientCredentials } from './kubeconfig.js';

export class ApiError extends Error {
  constructor(
    readonly method: string,
    readonly url: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`${method} ${url}: HTTP ${status}: ${body.slice(0, 300)}`);
  }
}

export interface ApiClient {
  request<T = Record<string, any>>(method: string, path: string, body?: unknown, contentType?: string): Promise<T>;
}

/** A client on fixed credentials, or on a function returning the current ones (rotating certificates). */
export function apiClient(credentials: ClientCredentials | (() => ClientCredentials), timeoutMs = 10_000): ApiClient {
  const current = typeof credentials === 'function' ? credentials : () => credentials;
  return {
    request<T>(method: string, path: string, body?: unknown, contentType = 'application/json') {
      const creds = current();
      const url = new URL(path, creds.server);
      const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      return new Promise<T>((resolve, reject) => {
        const req = request(
          url,
          {
            method,
            ca: creds.ca,
            cert: creds.cert,
            key: creds.key,
            timeout: timeoutMs,
            headers: {
              accept: 'application/json',
              ...(creds.token ? { authorization: `Bearer ${creds.token}` } : {}),
              ...(payload ? { 'content-type': contentType, 'content-length': payload.length } : {}),
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              const status = res.statusCode ?? 0;
              if (status < 200 || status >= 300) return reject(new ApiError(method, url.pathname, status, text));
              try {
                resolve((text ? JSON.parse(text) : {}) as T);
              } catch {
                // /healthz answers "ok"
                resolve(text as T);
              }
            });
            res.on('error', reject);
          },
        );
        req.on('timeout', () => req.destroy(new Error(`${method} ${url.href} timed out after ${timeoutMs}ms`)));
        req.on('error', reject);
        req.end(payload);
      });
    },
  };
}
