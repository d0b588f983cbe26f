// Call control carried out by this node's switch: the core's CallDriver over the B2BUA.
import type { Services } from '../../compose.js';
import type { CallDriver, ControlOp } from '../../core/calls/control-service.js';
import { ParleyError } from '../../core/errors.js';
import { autoAnswerHeaders } from './b2bua/call.js';
import type { CallSwitch } from './b2bua/switch.js';
import type { CoreCallSink } from './calls.js';

export class SipCallDriver implements CallDriver {
  constructor(
    private readonly core: Services,
    private readonly sw: CallSwitch,
    private readonly sink: CoreCallSink,
  ) {}

  async makeCall(o: Parameters<CallDriver['makeCall']>[0]): Promise<string> {
    const call = await this.sw.makeCall(o);
    const id = await this.sink.coreId(call.id);
    if (id === undefined) throw new Error('sip: the core did not take the call');
    return id;
  }

  async operate(op: ControlOp): Promise<void> {
    const b2buaId = this.sink.switched(op.callId);
    const call = b2buaId === undefined ? undefined : this.sw.call(b2buaId);
    const core = this.core.calls.latest(op.callId);
    if (!b2buaId || !call || !core || call.ended)
      throw new ParleyError('PARLEY_ERR_INVALID_STATE', 'the call has ended');
    switch (op.kind) {
      case 'clear':
        call.clear(op.party);
        break;
      case 'answer':
        await call.answer(op.party);
        break;
      case 'hold':
        await call.hold(op.party);
        break;
      case 'retrieve':
        await call.retrieve(op.party);
        break;
      case 'deflect': {
        const { targets, party } = await this.sw.divertTargets(core.tenantId, op.to);
        call.divert(targets, party, 'redirected');
        break;
      }
      case 'transfer': {
        const { targets, party, uri } = await this.sw.divertTargets(core.tenantId, op.to);
        call.transferTo(op.party, targets, { party, uri });
        break;
      }
      case 'join':
      case 'conference': {
        const heldId = this.sink.switched(op.heldCallId);
        const held = heldId === undefined ? undefined : this.sw.call(heldId);
        if (!heldId || !held || held.ended)
          throw new ParleyError('PARLEY_ERR_INVALID_STATE', 'the held call has ended');
        if (op.kind === 'join') await call.join(op.party, held);
        else await call.conference(op.party, held);
        break;
      }
      case 'digits':
        await call.digits(op.party, op.digits);
        break;
      case 'pickup': {
        const line = await this.core.lines.get(core.tenantId, op.lineId);
        const user = await this.core.users.get(core.tenantId, op.userId);
        const { targets, party } = await this.sw.divertTargets(core.tenantId, line.number);
        call.divert(targets, party, 'callPickup', autoAnswerHeaders(user.domain));
        break;
      }
      default: {
        const unknown: never = op;
        throw new Error(`sip: no control operation ${(unknown as ControlOp).kind}`);
      }
    }
    await this.sink.settled(b2buaId);
  }
}
