/**
 * The renderer's only way to make HTTP calls: a client for the server's loopback admin API (CONVENTIONS §7).
 * Endpoint methods, typed with `import type` from server/src/api/admin/contract.ts, are added by the issues
 * that add the endpoints; this file holds the transport they share.
 */

export interface AdminClientOptions {
  /** Origin of the admin listener, e.g. `http://127.0.0.1:8009`. */
  baseUrl: string;
  /** Admin access token sent as a bearer token, if the caller has one. */
  accessToken?: string;
  /** Injected for tests; defaults to the global fetch. */
  fetch?: typeof fetch;
}

/** A non-2xx reply from the admin API. `errcode` and `error` come from a Matrix-style error body when present. */
export class AdminApiError extends Error {
  readonly status: number;
  readonly errcode: string | undefined;

  constructor(status: number, errcode: string | undefined, message: string) {
    super(message);
    this.name = 'AdminApiError';
    this.status = status;
    this.errcode = errcode;
  }
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface AdminClient {
  /** Sends a request to `path` (starting with `/`) and returns the parsed JSON reply. @throws AdminApiError */
  request<T>(method: HttpMethod, path: string, body?: unknown): Promise<T>;
}

export function createAdminClient(options: AdminClientOptions): AdminClient {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const baseUrl = options.baseUrl.replace(/\/+$/, '');

  return {
    async request<T>(method: HttpMethod, path: string, body?: unknown): Promise<T> {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (options.accessToken !== undefined) headers.authorization = `Bearer ${options.accessToken}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const init: RequestInit = { method, headers };
      if (body !== undefined) init.body = JSON.stringify(body);
      const response = await doFetch(`${baseUrl}${path}`, init);
      const text = await response.text();
      const json: unknown = text === '' ? undefined : parseJson(text);
      if (!response.ok) throw toError(response.status, json);
      return json as T;
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function toError(status: number, json: unknown): AdminApiError {
  if (typeof json === 'object' && json !== null) {
    const { errcode, error } = json as { errcode?: unknown; error?: unknown };
    if (typeof errcode === 'string') {
      return new AdminApiError(status, errcode, typeof error === 'string' ? error : errcode);
    }
  }
  return new AdminApiError(status, undefined, `admin API request failed with HTTP ${status}`);
}
