import * as c from '../callbacks.js';
import { CallParams } from '../calls.js';
import { defineRoutes } from './spec.js';

/**
 * Call-backs (ECMA-269 CallBack): "call me back when this line is free". Your line rings (no
 * auto-answer: you asked for a ring), and when you answer, the target is called. A request waits
 * at most 30 minutes; each user may have 5 pending.
 */
export const callBackRoutes = defineRoutes({
  'calls.callBack': {
    method: 'POST',
    path: '/api/v1/calls/:id/callback',
    summary: 'CallBack on a call you made that was busy or not answered: its target, from the line you called from',
    access: 'user',
    params: CallParams,
    status: 201,
    response: c.CallBack,
  },
  'callbacks.list': {
    method: 'GET',
    path: '/api/v1/callbacks',
    summary: 'Your pending call-backs',
    access: 'user',
    status: 200,
    response: c.CallBackList,
  },
  'callbacks.create': {
    method: 'POST',
    path: '/api/v1/callbacks',
    summary: 'CallBackNonCallRelated: call me back when `to` is free (the same request again: the pending one)',
    access: 'user',
    body: c.CallBackRequest,
    status: 201,
    response: c.CallBack,
  },
  'callbacks.delete': {
    method: 'DELETE',
    path: '/api/v1/callbacks/:id',
    summary: 'CancelCallBack',
    access: 'user',
    params: c.CallBackParams,
    status: 204,
  },
});
