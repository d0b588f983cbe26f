// Call control across a cluster: an operation on a live call runs on the node that switches it.
// Another node asks over the bus (`calls.control.requested`) and, once answered, waits until its
// replica of the call has reached the version the switching node reported.
import { randomUUID } from 'node:crypto';
import { type ErrorCode, errorMessages } from '@parley/api';
import type { Unsubscribe } from '../../platform/bus/bus.js';
import type { CoreContext } from '../context.js';
import { asParleyError, ParleyError } from '../errors.js';
import type { ControlOp } from './control-service.js';
import type { Call } from './model.js';
import type { CallService } from './service.js';

/** How long a control request to the node that switches the call may take. */
const REMOTE_TIMEOUT_MS = 15_000;

/** The bus messages of control requests between nodes. */
export interface ControlRequest {
  tenantId: string;
  /** The node that switches the call. */
  node: string;
  requestId: string;
  op: ControlOp;
}
export interface ControlAnswer {
  tenantId: string;
  requestId: string;
  error: { code: string; message: string } | null;
  /** The call's version after the operation (the asking node waits for its replica to reach it). */
  version: number | null;
}

/** Control requests between nodes: asked by any node, answered by the one that switches the call. */
export class ControlRelay {
  private readonly pending = new Map<string, (answer: ControlAnswer) => void>();

  constructor(
    private readonly ctx: CoreContext,
    private readonly model: CallService,
  ) {}

  /** Answers other nodes' requests for calls this node switches (carried out by `local`), and takes their answers. */
  serve(local: (op: ControlOp) => Promise<void>): Unsubscribe {
    const { bus, cluster } = this.ctx;
    const subs = [
      bus.subscribe('calls.control.requested', async (r) => {
        if (r.node !== cluster.instance) return;
        let error: ControlAnswer['error'] = null;
        let version: number | null = null;
        try {
          await local(r.op);
          version = this.model.latest(r.op.callId)?.version ?? null;
        } catch (err) {
          const known = asParleyError(err);
          if (!known) this.ctx.log.warn({ err, op: r.op.kind }, 'call control request failed');
          error = known
            ? { code: known.code, message: known.message }
            : { code: 'PARLEY_ERR_INTERNAL', message: 'internal error' };
        }
        await bus.publish('calls.control.answered', { tenantId: r.tenantId, requestId: r.requestId, error, version });
      }),
      bus.subscribe('calls.control.answered', (a) => this.pending.get(a.requestId)?.(a)),
    ];
    return () => {
      for (const unsubscribe of subs) unsubscribe();
    };
  }

  /** Has the node that switches `call` carry out `op`; resolves once this node's replica shows the result. */
  async ask(call: Call, op: ControlOp): Promise<void> {
    const requestId = randomUUID();
    const answer = await new Promise<ControlAnswer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new ParleyError('PARLEY_ERR_NOT_READY', 'the node that switches the call did not answer'));
      }, REMOTE_TIMEOUT_MS);
      this.pending.set(requestId, (a) => {
        clearTimeout(timer);
        this.pending.delete(requestId);
        resolve(a);
      });
      this.ctx.bus
        .publish('calls.control.requested', { tenantId: call.tenantId, node: call.node, requestId, op })
        .catch((err: unknown) => {
          clearTimeout(timer);
          this.pending.delete(requestId);
          reject(err);
        });
    });
    if (answer.error) {
      const { code, message } = answer.error;
      throw code in errorMessages
        ? new ParleyError(code as ErrorCode, message)
        : new ParleyError('PARLEY_ERR_INTERNAL');
    }
    if (answer.version !== null) await this.model.reached(call.id, answer.version, REMOTE_TIMEOUT_MS);
  }
}
