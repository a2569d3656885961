/**
 * Push rules as clients read them. Until push lands (issue 4: user rules, evaluation, pushers) every
 * user has exactly the server-default rule set, which is what GET returns.
 * Spec: client-server-api "Push Rules: API" (pushrules.yaml), v1.19.
 */
import type { UserId } from '../core/ids.js';
import { defaultPushRules } from '../rooms/push-rules-default.js';

export function createPushRulesService() {
  return {
    /** GET /pushrules/ → { global: ruleset } */
    rulesOf(userId: UserId): { global: Record<string, unknown> } {
      return { global: defaultPushRules(userId) };
    },
  };
}

export type PushRulesService = ReturnType<typeof createPushRulesService>;
