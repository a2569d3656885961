/**
 * A real HTTP push gateway for the push tests: tests/helpers/push-gateway-server.mjs as a child process on
 * a loopback port, recording every POST /_matrix/push/v1/notify it gets and answering as configured per
 * pushkey (fail with 500 a number of times, or list the pushkey as rejected). Stopped after the test.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'push-gateway-server.mjs');

export interface NotifyRequest {
  readonly ts: number;
  /** What the gateway answered. */
  readonly status: number;
  // The notify body as the homeserver sent it; tests read fields freely.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body: any;
}

export interface PushGateway {
  /** The notify URL to give a pusher (`data.url`). */
  readonly notifyUrl: string;
  received(): Promise<NotifyRequest[]>;
  /** Requests whose devices include this pushkey. */
  receivedFor(pushkey: string): Promise<NotifyRequest[]>;
  /** Waits until `predicate` holds for the requests received for `pushkey`; returns them. */
  waitFor(pushkey: string, predicate: (requests: NotifyRequest[]) => boolean, what: string, ms?: number): Promise<NotifyRequest[]>;
  /** `fail`: answer 500 that many times; `reject`: list the pushkey in `rejected`. */
  behave(pushkey: string, behaviour: { fail?: number; reject?: boolean }): Promise<void>;
}

export async function startPushGateway(t: TestContext): Promise<PushGateway> {
  const child = spawn(process.execPath, [SCRIPT], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => {
    child.kill('SIGTERM');
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`push gateway exited with ${code}`)));
  });
  const base = `http://127.0.0.1:${port}`;

  const received = async (): Promise<NotifyRequest[]> => (await (await fetch(`${base}/_test/received`)).json()) as NotifyRequest[];
  const receivedFor = async (pushkey: string) =>
    (await received()).filter((request) =>
      (request.body?.notification?.devices ?? []).some((device: { pushkey?: string }) => device.pushkey === pushkey),
    );
  return {
    notifyUrl: `${base}/_matrix/push/v1/notify`,
    received,
    receivedFor,
    async waitFor(pushkey, predicate, what, ms = 10_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const requests = await receivedFor(pushkey);
        if (predicate(requests)) return requests;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: got ${JSON.stringify(requests)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async behave(pushkey, behaviour) {
      await fetch(`${base}/_test/behaviour`, { method: 'POST', body: JSON.stringify({ pushkey, ...behaviour }) });
    },
  };
}
