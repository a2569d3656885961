/**
 * (i)  POST /_matrix/client/v3/login  (an argon2id verify, a new device and token per request)
 * (ii) GET  /_matrix/client/v3/account/whoami with an access token
 */
import { BENCH_PASSWORD, type BenchContext } from './lib/context.js';
import { load, type Measured } from './lib/load.js';

export interface AuthOptions {
  loginConnections: number;
  whoamiConnections: number;
}

export async function benchAuth(ctx: BenchContext, options: AuthOptions): Promise<{ login: Measured; whoami: Measured }> {
  const user = ctx.server.bootstrapToken
    ? await ctx.client.register('bench', BENCH_PASSWORD, ctx.server.bootstrapToken)
    : await ctx.registerUser('bench');
  const login = await load(
    'login',
    {
      url: `${ctx.server.baseUrl}/_matrix/client/v3/login`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'm.login.password', identifier: { type: 'm.id.user', user: user.localpart }, password: BENCH_PASSWORD }),
      connections: options.loginConnections,
    },
    ctx.durationS,
    ctx.warmupS,
  );
  const whoami = await load(
    'whoami',
    {
      url: `${ctx.server.baseUrl}/_matrix/client/v3/account/whoami`,
      headers: { authorization: `Bearer ${user.accessToken}` },
      connections: options.whoamiConnections,
    },
    ctx.durationS,
    ctx.warmupS,
  );
  return { login, whoami };
}
