// Feature codes a desk phone's user dials (the Asterisk/FreePBX convention): `*8` picks up the call
// ringing longest in the line's pickup group (GroupPickup), `**201` the call ringing at line 201
// (DirectedPickup). The switch answers such an INVITE itself; the picked call then rings the line.

export type FeatureCode = { kind: 'groupPickup' } | { kind: 'directedPickup'; at: string };

/** The feature code a dialled user part names, if any. */
export function featureCode(user: string): FeatureCode | undefined {
  if (user === '*8') return { kind: 'groupPickup' };
  const directed = /^\*\*([0-9]{1,15})$/.exec(user);
  return directed?.[1] === undefined ? undefined : { kind: 'directedPickup', at: directed[1] };
}
