import { z } from 'zod';

// Call settings: call forwarding (ECMA-269 §22.2.8: immediate, busy, no answer), do not disturb and
// remote office. The server checks each target against the tenant's numbering plan and the
// caller's own lines; what the switch does with them is in docs/call-settings.md.

/** How long the user's devices ring before "no answer" forwarding: bounds and default. */
export const noAnswerSeconds = { min: 5, max: 120, default: 20 } as const;
/** The longest target accepted: a number as dialled or an address. */
export const TARGET_MAX = 256;

const Target = z
  .string()
  .max(TARGET_MAX)
  .describe(
    "A number in any spelling the tenant's numbering plan reads (an extension, +49 711 …, 0711 …) or an address local@domain",
  );

export const ForwardingRule = z
  .object({ enabled: z.boolean(), to: z.string().nullable().describe('Null while no target was ever set') })
  .meta({ id: 'ForwardingRule' });

export const Forwarding = z
  .object({
    immediate: ForwardingRule,
    busy: ForwardingRule,
    noAnswer: ForwardingRule.extend({
      afterSeconds: z.number().int().describe("How long the user's devices ring first"),
    }),
  })
  .meta({ id: 'Forwarding' });
export type Forwarding = z.infer<typeof Forwarding>;

/** `GET /api/v1/me/dnd`'s answer and `PUT`'s body. */
export const DoNotDisturb = z.strictObject({ enabled: z.boolean() }).meta({ id: 'DoNotDisturb' });

export const RemoteOffice = z
  .object({
    enabled: z.boolean(),
    number: z.string().nullable().describe("The external number that rings with the user's devices"),
  })
  .meta({ id: 'RemoteOffice' });

/** All of a user's call settings: `GET /api/v1/me/call-settings` and the `callsettings.changed` event. */
export const CallSettings = z
  .object({
    forwarding: Forwarding,
    dnd: z.boolean(),
    remoteOffice: RemoteOffice,
    updatedAt: z.iso.datetime().nullable().describe('Null while the user never changed a setting'),
  })
  .meta({ id: 'CallSettings' });
export type CallSettings = z.infer<typeof CallSettings>;

const RuleChange = z.strictObject({
  enabled: z.boolean(),
  to: Target.nullable().optional().describe('Left out: the target stays as it is'),
});

/** Rules left out stay as they are; at least one. */
export const SetForwardingRequest = z
  .strictObject({
    immediate: RuleChange.optional(),
    busy: RuleChange.optional(),
    noAnswer: RuleChange.extend({
      afterSeconds: z
        .number()
        .int()
        .min(noAnswerSeconds.min)
        .max(noAnswerSeconds.max)
        .optional()
        .describe(`${noAnswerSeconds.min} to ${noAnswerSeconds.max} seconds; left out: stays as it is`),
    }).optional(),
  })
  .refine((r) => r.immediate || r.busy || r.noAnswer, 'name at least one rule: immediate, busy or noAnswer');

export const SetRemoteOfficeRequest = z.strictObject({
  enabled: z.boolean(),
  number: Target.nullable().optional().describe('Left out: the number stays as it is'),
});
