// A device monitor (ECMA-269 §15.1.2 MonitorStart): the core's call, call-settings and call-back events of the
// device's owner, turned into the device's CSTA events.
import { callEventTypes } from '../../core/calls/model.js';
import type { EventMap } from '../../core/events.js';
import type { CallSettings, CallSettingsService } from '../../core/forwarding/model.js';
import type { Bus, Unsubscribe } from '../../platform/bus/bus.js';
import {
  callBackEvent,
  type DeviceEvent,
  eventsFor,
  type MonitoredDevice,
  serviceEvent,
  settingsEvents,
} from './events.js';

export interface MonitorSources {
  bus: Pick<Bus<EventMap>, 'subscribe'>;
  settings?: CallSettingsService;
}

/**
 * Watches `device` of `tenantId`: every event goes to `emit` in bus order. The subscriptions name
 * the tenant and the owner, so nothing of another tenant or an unrelated user ever arrives.
 */
export async function watchDevice(
  sources: MonitorSources,
  tenantId: string,
  device: MonitoredDevice,
  emit: (ev: DeviceEvent) => void,
): Promise<Unsubscribe> {
  const scope = { tenantId, userId: device.userId };
  const stops = callEventTypes.map((type) =>
    sources.bus.subscribe(
      type,
      (ev) => {
        if (ev.tenantId !== tenantId) return;
        for (const e of eventsFor(type, ev, device)) emit(e);
      },
      scope,
    ),
  );
  stops.push(
    sources.bus.subscribe(
      'registration.changed',
      (ev) => {
        if (ev.tenantId !== tenantId || ev.userId !== device.userId) return;
        emit(serviceEvent(ev.registered, device));
      },
      scope,
    ),
  );
  stops.push(
    sources.bus.subscribe(
      'callback.changed',
      (ev) => {
        if (ev.tenantId !== tenantId || ev.userId !== device.userId) return;
        for (const e of callBackEvent(ev.callBack, ev.status, device)) emit(e);
      },
      scope,
    ),
  );
  const { settings } = sources;
  if (settings) {
    let last: CallSettings | null = await settings.get(tenantId, device.userId).catch(() => null);
    stops.push(
      sources.bus.subscribe(
        'callsettings.changed',
        (ev) => {
          if (ev.tenantId !== tenantId || ev.userId !== device.userId) return;
          for (const e of settingsEvents(last, ev.settings, device)) emit(e);
          last = ev.settings;
        },
        scope,
      ),
    );
  }
  return () => {
    for (const stop of stops) stop();
  };
}
