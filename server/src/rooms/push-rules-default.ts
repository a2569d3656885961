/**
 * The server-default push rules, verbatim from the spec: client-server-api "Push Notifications",
 * "Predefined Rules" (v1.19; the legacy body-mention rules were removed in v1.17). `default: true` marks
 * them as server-default. {@link mergePushRules} places a user's own rules among them.
 */
import { PUSH_RULE_KINDS, type PushAction, type PushRule, type PushRuleKind, type PushRuleSet, type PushRules } from './push-evaluator.js';

const USER_PLACEHOLDER = "[the user's Matrix ID]";
const TEMPLATE = {
  "override": [
    {
      "rule_id": ".m.rule.master",
      "default": true,
      "enabled": false,
      "conditions": [],
      "actions": []
    },
    {
      "rule_id": ".m.rule.suppress_notices",
      "default": true,
      "enabled": true,
      "conditions": [
        {
          "kind": "event_match",
          "key": "content.msgtype",
          "pattern": "m.notice"
        }
      ],
      "actions": []
    },
    {
      "rule_id": ".m.rule.invite_for_me",
      "default": true,
      "enabled": true,
      "conditions": [
        {
          "key": "type",
          "kind": "event_match",
          "pattern": "m.room.member"
        },
        {
          "key": "content.membership",
          "kind": "event_match",
          "pattern": "invite"
        },
        {
          "key": "state_key",
          "kind": "event_match",
          "pattern": "[the user's Matrix ID]"
        }
      ],
      "actions": [
        "notify",
        {
          "set_tweak": "sound",
          "value": "default"
        }
      ]
    },
    {
      "rule_id": ".m.rule.member_event",
      "default": true,
      "enabled": true,
      "conditions": [
        {
          "key": "type",
          "kind": "event_match",
          "pattern": "m.room.member"
        }
      ],
      "actions": []
    },
    {
      "rule_id": ".m.rule.is_user_mention",
      "default": true,
      "enabled": true,
      "conditions": [
        {
          "kind": "event_property_contains",
          "key": "content.m\\.mentions.user_ids",
          "value": "[the user's Matrix ID]"
        }
      ],
      "actions": [
        "notify",
        {
          "set_tweak": "sound",
          "value": "default"
        },
        {
          "set_tweak": "highlight"
        }
      ]
    },
    {
      "rule_id": ".m.rule.is_room_mention",
      "default": true,
      "enabled": true,
      "conditions": [
        {
          "kind": "event_property_is",
          "key": "content.m\\.mentions.room",
          "value": true
        },
        {
          "kind": "sender_notification_permission",
          "key": "room"
        }
      ],
      "actions": [
        "notify",
        {
          "set_tweak": "highlight"
        }
      ]
    },
    {
      "rule_id": ".m.rule.tombstone",
      "default": true,
      "enabled": true,
      "conditions": [
        {
          "kind": "event_match",
          "key": "type",
          "pattern": "m.room.tombstone"
        },
        {
          "kind": "event_match",
          "key": "state_key",
          "pattern": ""
        }
      ],
      "actions": [
        "notify",
        {
          "set_tweak": "highlight"
        }
      ]
    },
    {
      "rule_id": ".m.rule.reaction",
      "default": true,
      "enabled": true,
      "conditions": [
        {
          "kind": "event_match",
          "key": "type",
          "pattern": "m.reaction"
        }
      ],
      "actions": []
    },
    {
      "rule_id": ".m.rule.room.server_acl",
      "default": true,
      "enabled": true,
      "conditions": [
        {
          "kind": "event_match",
          "key": "type",
          "pattern": "m.room.server_acl"
        },
        {
          "kind": "event_match",
          "key": "state_key",
          "pattern": ""
        }
      ],
      "actions": []
    },
    {
      "rule_id": ".m.rule.suppress_edits",
      "default": true,
      "enabled": true,
      "conditions": [
        {
          "kind": "event_property_is",
          "key": "content.m\\.relates_to.rel_type",
          "value": "m.replace"
        }
      ],
      "actions": []
    }
  ],
  "content": [],
  "room": [],
  "sender": [],
  "underride": [
    {
      "rule_id": ".m.rule.call",
      "default": true,
      "enabled": true,
      "conditions": [
        {
          "key": "type",
          "kind": "event_match",
          "pattern": "m.call.invite"
        }
      ],
      "actions": [
        "notify",
        {
          "set_tweak": "sound",
          "value": "ring"
        }
      ]
    },
    {
      "rule_id": ".m.rule.encrypted_room_one_to_one",
      "default": true,
      "enabled": true,
      "conditions": [
        {
          "kind": "room_member_count",
          "is": "2"
        },
        {
          "kind": "event_match",
          "key": "type",
          "pattern": "m.room.encrypted"
        }
      ],
      "actions": [
        "notify",
        {
          "set_tweak": "sound",
          "value": "default"
        }
      ]
    },
    {
      "rule_id": ".m.rule.room_one_to_one",
      "default": true,
      "enabled": true,
      "conditions": [
        {
          "kind": "room_member_count",
          "is": "2"
        },
        {
          "kind": "event_match",
          "key": "type",
          "pattern": "m.room.message"
        }
      ],
      "actions": [
        "notify",
        {
          "set_tweak": "sound",
          "value": "default"
        }
      ]
    },
    {
      "rule_id": ".m.rule.message",
      "default": true,
      "enabled": true,
      "conditions": [
        {
          "kind": "event_match",
          "key": "type",
          "pattern": "m.room.message"
        }
      ],
      "actions": [
        "notify"
      ]
    },
    {
      "rule_id": ".m.rule.encrypted",
      "default": true,
      "enabled": true,
      "conditions": [
        {
          "kind": "event_match",
          "key": "type",
          "pattern": "m.room.encrypted"
        }
      ],
      "actions": [
        "notify"
      ]
    }
  ]
} as const;

const TEMPLATE_JSON = JSON.stringify(TEMPLATE);
const PLACEHOLDER_JSON = JSON.stringify(USER_PLACEHOLDER);

/** The default rule set for one user: the spec's placeholder replaced by their user ID. A fresh copy. */
export function defaultPushRules(userId: string): PushRules {
  return JSON.parse(TEMPLATE_JSON.replaceAll(PLACEHOLDER_JSON, JSON.stringify(userId))) as PushRules;
}

/** The kind of the server-default rule with this ID, or null when there is none. */
export function defaultRuleKind(ruleId: string): PushRuleKind | null {
  for (const kind of PUSH_RULE_KINDS) {
    if ((TEMPLATE[kind] as readonly { rule_id: string }[]).some((rule) => rule.rule_id === ruleId)) return kind;
  }
  return null;
}

/** A user's change to a server-default rule: it can be enabled/disabled and get other actions, nothing else. */
export interface DefaultRuleChange {
  readonly enabled?: boolean;
  readonly actions?: readonly PushAction[];
}

/** The master rule is the one server-default rule that outranks user rules (spec "Predefined Rules"). */
const MASTER_RULE = '.m.rule.master';

/**
 * A user's full ruleset: their own rules (each kind most important first, `default: false`) merged with the
 * server-default rules and their changes to those. Spec "Predefined Rules": server-default rules "operate at
 * a lower priority than user-defined rules, except for the `.m.rule.master` rule which has always a higher
 * priority than any other rule" (Synapse: BASE_PREPEND_OVERRIDE_RULES, then user rules, then BASE_APPEND_*).
 * @param changes - keyed by `${kind}/${ruleId}` ({@link defaultChangeKey})
 */
export function mergePushRules(
  userId: string,
  userRules: Readonly<Partial<Record<PushRuleKind, readonly PushRule[]>>>,
  changes: ReadonlyMap<string, DefaultRuleChange>,
): PushRuleSet {
  const defaults = defaultPushRules(userId);
  const global = {} as Record<PushRuleKind, PushRule[]>;
  for (const kind of PUSH_RULE_KINDS) {
    const server = defaults[kind].map((rule) => {
      const change = changes.get(defaultChangeKey(kind, rule.rule_id));
      if (change === undefined) return rule;
      return { ...rule, enabled: change.enabled ?? rule.enabled, actions: change.actions ?? rule.actions };
    });
    const own = userRules[kind] ?? [];
    const prepend = kind === 'override' ? server.filter((rule) => rule.rule_id === MASTER_RULE) : [];
    const append = kind === 'override' ? server.filter((rule) => rule.rule_id !== MASTER_RULE) : server;
    global[kind] = [...prepend, ...own, ...append];
  }
  return { global };
}

export const defaultChangeKey = (kind: PushRuleKind, ruleId: string): string => `${kind}/${ruleId}`;
