import type { ClientEvent, User } from '@parley/api';
import { createContext, useContext } from 'react';
import { CallBacksStore } from '../features/calls/callbacks-store';
import { CallsStore } from '../features/calls/calls-store';
import { JournalStore } from '../features/calls/journal-store';
import { CallSettingsStore } from '../features/callsettings/call-settings-store';
import { ChatStore } from '../features/chat/chat-store';
import { ContactsStore } from '../features/contacts/contacts-store';
import { PresenceStore } from '../features/presence/presence-store';
import { langStore } from '../i18n';
import { apiClient, type ParleyClient } from '../lib/api';
import { EventConnection } from '../lib/events';
import { watchIdle } from '../lib/idle';
import { Store } from '../lib/store';
import { type Session, signOut, updateUser } from './session';

/** No input for this long makes the client idle. */
const IDLE_MS = 5 * 60_000;

/**
 * Everything a signed-in session runs: the API client, the event socket and the feature stores,
 * wired once here. A feature added later (softphone, video) gets its store here and its events
 * from `handle`.
 */
export class Services {
  readonly api: ParleyClient;
  readonly me: Store<User>;
  readonly events: EventConnection;
  readonly presence: PresenceStore;
  readonly contacts: ContactsStore;
  readonly chat: ChatStore;
  readonly callSettings: CallSettingsStore;
  readonly calls: CallsStore;
  readonly callBacks: CallBacksStore;
  readonly journal: JournalStore;
  private stopped = false;
  private idle = false;

  constructor(session: Session) {
    this.me = new Store(session.user);
    this.api = apiClient({
      language: langStore.get,
      onUnauthorized: () => this.revoked(),
    });
    const api = () => this.api;
    const me = () => this.me.get();
    this.presence = new PresenceStore(api, () => me().address);
    this.contacts = new ContactsStore(api, me, (addresses) => this.presence.watch(addresses));
    this.chat = new ChatStore(api, me, (members) =>
      this.contacts.learn(members.map((m) => ({ address: m.address, name: m.label, numbers: [], email: null }))),
    );
    this.callSettings = new CallSettingsStore(api);
    this.calls = new CallsStore(api);
    this.callBacks = new CallBacksStore(api);
    this.journal = new JournalStore(api);
    this.events = new EventConnection({
      ticket: async () => (await this.api.request('auth.ticket', {})).ticket,
      onEvent: (e) => this.handle(e),
      onSubscribed: () => this.catchUp(),
      onRevoked: () => this.revoked(),
    });
  }

  start(): () => void {
    this.stopped = false;
    this.events.start();
    void this.api.request('me.get', {}).then(
      (u) => this.setMe(u),
      () => undefined,
    );
    void this.chat.load().catch(() => undefined);
    void this.contacts.load();
    void this.presence.loadMine();
    void this.callSettings.load();
    void this.calls.load();
    void this.callBacks.load();
    void this.journal.loadUnread();
    this.presence.watch([this.me.get().address]);
    const unsubscribe = langStore.subscribe(() => this.presence.refreshAll());
    const visible = () => this.chat.visible();
    document.addEventListener('visibilitychange', visible);
    const stopIdle = watchIdle((idle) => {
      this.idle = idle;
      this.reportActivity();
    }, IDLE_MS);
    return () => {
      this.stopped = true;
      unsubscribe();
      stopIdle();
      document.removeEventListener('visibilitychange', visible);
      this.events.stop();
    };
  }

  signOut(): void {
    this.events.stop();
    signOut('signed-out', true);
  }

  private revoked() {
    if (this.stopped) return;
    this.stopped = true;
    this.events.stop();
    signOut('expired');
  }

  private setMe(user: User) {
    this.me.set(user);
    updateUser(user);
  }

  /** This client's idle state is a presence input (idle makes the user "away"). */
  private reportActivity() {
    void this.api.request('presence.me.activity', { body: { idle: this.idle } }).catch(() => undefined);
  }

  private catchUp() {
    // The server sees a new connection as active: tell it again if the user is idle.
    if (this.idle) this.reportActivity();
    this.chat.resend();
    void this.chat.catchUp().catch(() => undefined);
    this.contacts.refresh();
    this.presence.refreshAll();
    void this.callSettings.load();
    void this.calls.load();
    void this.callBacks.load();
    void this.journal.loadUnread();
  }

  private handle(e: ClientEvent) {
    switch (e.type) {
      case 'hello':
      case 'user.updated':
        if (e.user.id === this.me.get().id) this.setMe(e.user);
        return;
      case 'resync':
        return this.catchUp();
      case 'session.revoked':
        if (e.current) this.revoked();
        return;
      case 'presence.changed':
        return this.presence.apply(e.user, e.presence);
      case 'favourites.updated':
        return this.contacts.favouritesChanged(e.favourites);
      case 'callsettings.changed':
        return this.callSettings.apply(e.settings);
      case 'call.originated':
      case 'call.delivered':
      case 'call.established':
      case 'call.held':
      case 'call.retrieved':
      case 'call.diverted':
      case 'call.transferred':
      case 'call.conferenced':
      case 'call.failed':
      case 'call.cleared':
        this.callBacks.ended(e.call, this.me.get().id);
        return this.calls.apply(e);
      case 'callback.changed':
        return this.callBacks.apply(e);
      case 'journal.created':
      case 'journal.updated':
      case 'journal.read':
        return this.journal.apply(e);
      case 'heartbeat':
      case 'session.created':
        return;
      default:
        return this.chat.apply(e);
    }
  }
}

export const ServicesContext = createContext<Services | null>(null);

export function useServices(): Services {
  const s = useContext(ServicesContext);
  if (!s) throw new Error('useServices outside a signed-in session');
  return s;
}
