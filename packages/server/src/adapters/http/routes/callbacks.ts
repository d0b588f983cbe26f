import type { Services } from '../../../compose.js';
import { callBackView } from '../../views/callbacks.js';
import type { Handlers } from '../types.js';
import { actorOf } from './calls.js';

/** The signed-in user's call-backs (ECMA-269 CallBack, CallBackNonCallRelated, CancelCallBack). */
export const callBackHandlers = (
  core: Services,
): Handlers<'calls.callBack' | 'callbacks.list' | 'callbacks.create' | 'callbacks.delete'> => {
  const { control } = core;
  return {
    'calls.callBack': async ({ principal, params }) =>
      callBackView(core, await control.callBackOn(actorOf(principal), params.id)),
    'callbacks.list': async ({ principal }) => ({
      callBacks: await Promise.all((await control.callBacks(actorOf(principal))).map((r) => callBackView(core, r))),
    }),
    'callbacks.create': async ({ principal, body }) =>
      callBackView(core, await control.callBack(actorOf(principal), body)),
    'callbacks.delete': async ({ principal, params }) => {
      await control.cancelCallBack(actorOf(principal), params.id);
      return undefined;
    },
  };
};
