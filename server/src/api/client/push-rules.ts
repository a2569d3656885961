/**
 * Push rules API. Spec: client-server-api "Push Rules: API", pushrules.yaml (v1.19). The rule bodies are
 * checked by the service (its errors name the rule field), so the body schemas here only require an object.
 */
import { Type } from 'typebox';
import { requesterOf, type TypedApp } from '../../http/types.js';
import type { Services } from '../../services/index.js';

// pushrules.yaml: {scope} is "global" (the only ruleset), {kind} one of the five kinds; the service answers
// anything else with 400 M_INVALID_PARAM rather than a bare 404.
const RuleParams = Type.Object({ scope: Type.String(), kind: Type.String(), ruleId: Type.String() });
const PutQuery = Type.Object({ before: Type.Optional(Type.String()), after: Type.Optional(Type.String()) });
const Body = Type.Record(Type.String(), Type.Unknown());

export function pushRulesRoutes(app: TypedApp, services: Pick<Services, 'pushRules'>): void {
  const { pushRules } = services;
  const auth = { auth: 'required', allowGuests: true } as const;

  /** GET /_matrix/client/v3/pushrules/ (getPushRules) */
  app.get('/pushrules/', { config: auth }, async (request) => pushRules.ruleset(requesterOf(request).userId));

  /** GET /_matrix/client/v3/pushrules/global/ (getPushRulesGlobal) */
  app.get('/pushrules/global/', { config: auth }, async (request) => (await pushRules.ruleset(requesterOf(request).userId)).global);

  /** GET /_matrix/client/v3/pushrules/global/{kind}/{ruleId} (getPushRule) */
  app.get('/pushrules/:scope/:kind/:ruleId', { config: auth, schema: { params: RuleParams } }, async (request) => {
    const { scope, kind, ruleId } = request.params;
    return pushRules.getRule(requesterOf(request).userId, scope, kind, ruleId);
  });

  /** PUT /_matrix/client/v3/pushrules/global/{kind}/{ruleId} (setPushRule) */
  app.put(
    '/pushrules/:scope/:kind/:ruleId',
    { config: { auth: 'required' }, schema: { params: RuleParams, querystring: PutQuery, body: Body } },
    async (request) => {
      const { scope, kind, ruleId } = request.params;
      await pushRules.putRule(requesterOf(request).userId, scope, kind, ruleId, request.body, {
        before: request.query.before,
        after: request.query.after,
      });
      return {};
    },
  );

  /** DELETE /_matrix/client/v3/pushrules/global/{kind}/{ruleId} (deletePushRule) */
  app.delete('/pushrules/:scope/:kind/:ruleId', { config: { auth: 'required' }, schema: { params: RuleParams } }, async (request) => {
    const { scope, kind, ruleId } = request.params;
    await pushRules.deleteRule(requesterOf(request).userId, scope, kind, ruleId);
    return {};
  });

  /** GET /_matrix/client/v3/pushrules/global/{kind}/{ruleId}/enabled (isPushRuleEnabled) */
  app.get('/pushrules/:scope/:kind/:ruleId/enabled', { config: auth, schema: { params: RuleParams } }, async (request) => {
    const { scope, kind, ruleId } = request.params;
    return pushRules.isEnabled(requesterOf(request).userId, scope, kind, ruleId);
  });

  /** PUT /_matrix/client/v3/pushrules/global/{kind}/{ruleId}/enabled (setPushRuleEnabled) */
  app.put(
    '/pushrules/:scope/:kind/:ruleId/enabled',
    { config: { auth: 'required' }, schema: { params: RuleParams, body: Body } },
    async (request) => {
      const { scope, kind, ruleId } = request.params;
      await pushRules.setEnabled(requesterOf(request).userId, scope, kind, ruleId, request.body);
      return {};
    },
  );

  /** GET /_matrix/client/v3/pushrules/global/{kind}/{ruleId}/actions (getPushRuleActions) */
  app.get('/pushrules/:scope/:kind/:ruleId/actions', { config: auth, schema: { params: RuleParams } }, async (request) => {
    const { scope, kind, ruleId } = request.params;
    return pushRules.getActions(requesterOf(request).userId, scope, kind, ruleId);
  });

  /** PUT /_matrix/client/v3/pushrules/global/{kind}/{ruleId}/actions (setPushRuleActions) */
  app.put(
    '/pushrules/:scope/:kind/:ruleId/actions',
    { config: { auth: 'required' }, schema: { params: RuleParams, body: Body } },
    async (request) => {
      const { scope, kind, ruleId } = request.params;
      await pushRules.setActions(requesterOf(request).userId, scope, kind, ruleId, request.body);
      return {};
    },
  );
}
