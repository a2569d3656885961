/**
 * A minimal Matrix client for the benchmark over node:http with keep-alive connections (less overhead per
 * request than fetch, so client-side timings are closer to the server's): registration (open mode,
 * m.login.dummy), room creation, joins and sends used to populate rooms, and timed requests.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';

export interface Reply {
  status: number;
  // The bench reads fields freely from replies.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  /** performance.now() when the last byte of the reply arrived (before JSON parsing). */
  receivedAt: number;
  bytes: number;
}

export interface BenchUser {
  userId: string;
  accessToken: string;
  localpart: string;
}

export class BenchClient {
  readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  private readonly url: URL;

  constructor(baseUrl: string) {
    this.url = new URL(baseUrl);
  }

  request(method: string, path: string, options: { body?: unknown; token?: string } = {}): Promise<Reply> {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string | number> = {};
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(payload);
    }
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    return new Promise((resolve, reject) => {
      const req = http.request(
        { host: this.url.hostname, port: this.url.port, method, path, headers, agent: this.agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const receivedAt = performance.now();
            const text = Buffer.concat(chunks).toString('utf8');
            let body: unknown = text;
            try {
              body = text.length > 0 ? JSON.parse(text) : undefined;
            } catch {
              // not JSON: keep the text
            }
            resolve({ status: res.statusCode ?? 0, body, receivedAt, bytes: text.length });
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Like request, but throws unless the reply is 200. */
  async ok(method: string, path: string, options: { body?: unknown; token?: string } = {}): Promise<Reply> {
    const reply = await this.request(method, path, options);
    if (reply.status !== 200) throw new Error(`${method} ${path}: ${reply.status} ${JSON.stringify(reply.body).slice(0, 300)}`);
    return reply;
  }

  /** Registers through UIA: m.login.dummy (open registration) or a registration token. */
  async register(localpart: string, password: string, registrationToken?: string): Promise<BenchUser> {
    const path = '/_matrix/client/v3/register';
    const first = await this.request('POST', path, { body: { username: localpart, password } });
    if (first.status !== 401) throw new Error(`register ${localpart}: expected 401, got ${first.status} ${JSON.stringify(first.body)}`);
    const auth = registrationToken
      ? { type: 'm.login.registration_token', token: registrationToken, session: first.body.session }
      : { type: 'm.login.dummy', session: first.body.session };
    const done = await this.ok('POST', path, { body: { username: localpart, password, auth } });
    return { userId: done.body.user_id, accessToken: done.body.access_token, localpart };
  }

  async createRoom(user: BenchUser, body: Record<string, unknown> = { preset: 'public_chat' }): Promise<string> {
    return (await this.ok('POST', '/_matrix/client/v3/createRoom', { body, token: user.accessToken })).body.room_id as string;
  }

  async join(user: BenchUser, roomId: string): Promise<void> {
    await this.ok('POST', `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/join`, { body: {}, token: user.accessToken });
  }

  async send(user: BenchUser, roomId: string, txnId: string, body: string): Promise<Reply> {
    return this.ok('PUT', sendPath(roomId, txnId), { body: { msgtype: 'm.text', body }, token: user.accessToken });
  }

  close(): void {
    this.agent.destroy();
  }
}

export const sendPath = (roomId: string, txnId: string): string =>
  `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${encodeURIComponent(txnId)}`;

/** The server process's resident set size in MiB (Linux /proc). */
export async function rssMiB(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Math.round((Number(match[1]) / 1024) * 10) / 10;
}
