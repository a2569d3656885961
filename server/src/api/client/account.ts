/**
 * The requester's own account: whoami, password, deactivation, third-party identifiers.
 * Spec: client-server-api "Account registration and management" (v1.19): whoami.yaml,
 * password_management.yaml, account_deactivation.yaml, administrative_contact.yaml.
 */
import { Type } from 'typebox';
import { MatrixError } from '../../core/errors.js';
import type { Services } from '../../services/index.js';
import { requesterOf, type TypedApp } from '../../http/types.js';

const PasswordBody = Type.Object({
  new_password: Type.String(),
  logout_devices: Type.Optional(Type.Boolean()),
  auth: Type.Optional(Type.Unknown()),
});

const DeactivateBody = Type.Object({
  auth: Type.Optional(Type.Unknown()),
  id_server: Type.Optional(Type.String()),
  erase: Type.Optional(Type.Boolean()),
});

/** No email or SMS is sent by this server and no identity server is configured (Synapse's answers alike). */
const noThreepidValidation = (medium: string) =>
  new MatrixError('M_THREEPID_DENIED', `This server does not send ${medium} validation messages`);

export function accountRoutes(app: TypedApp, services: Pick<Services, 'accounts'>): void {
  /** GET /_matrix/client/v3/account/whoami */
  app.get('/account/whoami', { config: { auth: 'required', allowGuests: true } }, async (request) => {
    const requester = requesterOf(request);
    return { user_id: requester.userId, device_id: requester.deviceId, is_guest: requester.isGuest };
  });

  /** POST /_matrix/client/v3/account/password */
  app.post('/account/password', { config: { auth: 'required' }, schema: { body: PasswordBody } }, async (request) => {
    await services.accounts.changePassword(requesterOf(request), request.body);
    return {};
  });

  /** POST /_matrix/client/v3/account/deactivate */
  app.post('/account/deactivate', { config: { auth: 'required' }, schema: { body: DeactivateBody } }, async (request) => {
    await services.accounts.deactivate(requesterOf(request), request.body ?? {});
    // Nothing can be bound here, so there is nothing to unbind; spec: the result "must be `success` if the
    // homeserver has no identifiers to unbind for the user".
    return { id_server_unbind_result: 'success' };
  });

  /** GET /_matrix/client/v3/account/3pid: none can be bound here, so the list is always empty. */
  app.get('/account/3pid', { config: { auth: 'required' } }, async () => ({ threepids: [] }));

  /** POST /_matrix/client/v3/account/3pid/add: no validation session can exist, so none can be completed. */
  app.post(
    '/account/3pid/add',
    { config: { auth: 'required' }, schema: { body: Type.Object({ sid: Type.String(), client_secret: Type.String() }) } },
    async () => {
      throw new MatrixError('M_THREEPID_AUTH_FAILED', 'No third-party identifier validation session exists with this ID', {
        status: 400,
      });
    },
  );

  /** POST /_matrix/client/v3/account/3pid/bind: needs an identity server; none is trusted here. */
  app.post('/account/3pid/bind', { config: { auth: 'required' } }, async () => {
    throw new MatrixError('M_SERVER_NOT_TRUSTED', 'This server does not use an identity server');
  });

  /** POST /_matrix/client/v3/account/3pid/delete and /unbind: nothing is bound, nothing to remove from an identity server. */
  for (const path of ['/account/3pid/delete', '/account/3pid/unbind']) {
    app.post(
      path,
      { config: { auth: 'required' }, schema: { body: Type.Object({ medium: Type.String(), address: Type.String() }) } },
      async () => ({ id_server_unbind_result: 'no-support' }),
    );
  }

  /** POST .../requestToken: email and SMS validation are not offered by this server. */
  for (const [path, medium] of [
    ['/account/3pid/email/requestToken', 'email'],
    ['/account/3pid/msisdn/requestToken', 'SMS'],
    ['/register/email/requestToken', 'email'],
    ['/register/msisdn/requestToken', 'SMS'],
    ['/account/password/email/requestToken', 'email'],
    ['/account/password/msisdn/requestToken', 'SMS'],
  ] as const) {
    app.post(path, async () => {
      throw noThreepidValidation(medium);
    });
  }
}
