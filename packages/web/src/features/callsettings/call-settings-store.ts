import type { CallSettings, RouteInput } from '@parley/api';
import type { ParleyClient } from '../../lib/api';
import { Store } from '../../lib/store';

export type ForwardingChange = RouteInput<'me.forwarding.set'>['body'];
export type RemoteOfficeChange = RouteInput<'me.remoteOffice.set'>['body'];

/**
 * The user's call settings (forwarding, do not disturb, remote office): loaded from
 * `GET /api/v1/me/call-settings`, changed over the API, and kept in step with changes made
 * elsewhere (another client, a CTI application) by `callsettings.changed`. Null until loaded.
 */
export class CallSettingsStore {
  readonly state = new Store<CallSettings | null>(null);

  constructor(private readonly api: () => ParleyClient) {}

  /** Fetches them; failures (offline) wait for the reconnect. */
  async load(): Promise<void> {
    try {
      this.state.set(await this.api().request('me.callSettings.get', {}));
    } catch {
      // offline: the reconnect loads them again
    }
  }

  /** `callsettings.changed`: all of them, as they are now. */
  apply(settings: CallSettings): void {
    this.state.set(settings);
  }

  async setForwarding(body: ForwardingChange): Promise<void> {
    const forwarding = await this.api().request('me.forwarding.set', { body });
    this.state.update((s) => s && { ...s, forwarding });
  }

  async setDnd(enabled: boolean): Promise<void> {
    const dnd = await this.api().request('me.dnd.set', { body: { enabled } });
    this.state.update((s) => s && { ...s, dnd: dnd.enabled });
  }

  async setRemoteOffice(body: RemoteOfficeChange): Promise<void> {
    const remoteOffice = await this.api().request('me.remoteOffice.set', { body });
    this.state.update((s) => s && { ...s, remoteOffice });
  }
}
