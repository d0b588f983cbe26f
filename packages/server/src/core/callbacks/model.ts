// ECMA-269 §17.1.4 CallBack / §17.1.5 CallBackNonCallRelated (and CancelCallBack, §17.1.6): a user
// asks to be rung when a busy or unanswering line is free again; Parley rings the user's line and,
// once it answers, calls the target (CCBS on busy, CCNR on no answer).

/**
 * busy: served once the target's calls have ended. noAnswer: once the target has used its phone
 * again (a call answered or made) and that has ended (CCNR).
 */
export type CallBackMode = 'busy' | 'noAnswer';

/** A pending call-back, as kept in the store until it is served, cancelled or expires. */
export interface CallBackRequest {
  id: string;
  tenantId: string;
  /** Who asked: their line rings first. */
  userId: string;
  fromLineId: string;
  fromNumber: string;
  targetLineId: string;
  targetNumber: string;
  targetUserId: string;
  mode: CallBackMode;
  /** noAnswer: the target used its phone since the request. */
  activeSeen: boolean;
  createdAt: number;
  expiresAt: number;
  /** The node ringing it now (or that tried last), and since when. */
  claimedBy: string | null;
  claimedAt: number | null;
}

/**
 * What happened to a call-back: asked for; the asker's line rings (`callId`, the call-back call,
 * an ordinary call); that call ended (done); it could not be served before it expired; the user
 * cancelled it.
 */
export type CallBackStatus = 'requested' | 'ringing' | 'done' | 'expired' | 'cancelled';
