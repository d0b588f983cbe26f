import type { User } from '@parley/api';
import { langStore } from '../i18n';
import type { MessageKey } from '../i18n/en';
import { apiClient, ParleyApiError } from '../lib/api';
import { codeText } from '../lib/errors';
import { local } from '../lib/local';
import { Store } from '../lib/store';

/** The signed-in user; the session itself is an HttpOnly cookie that no script here can read. */
export interface Session {
  user: User;
}

export type AuthState =
  | { status: 'signed-out'; notice: 'expired' | 'signed-out' | null }
  | { status: 'signed-in'; session: Session };

const SESSION_KEY = 'parley.session';
const LAST_USER_KEY = 'parley.lastUser';

/** The address of the last sign-in on this browser, to fill in the form. */
export const lastUser = (): string => local.get(LAST_USER_KEY) ?? '';

function restore(): AuthState {
  const saved = local.getJson<(Session & { token?: unknown }) | null>(SESSION_KEY, null);
  // A bearer token kept by an older version is a secret a script could read: dropped, sign in anew.
  if (saved && 'token' in saved) local.set(SESSION_KEY, null);
  else if (saved?.user?.address) return { status: 'signed-in', session: { user: saved.user } };
  return { status: 'signed-out', notice: null };
}

/**
 * Who is signed in. Only the user is kept in localStorage, so a reload starts at once (even
 * offline); the app then checks the session cookie with `GET /api/v1/me`.
 */
export const authStore = new Store<AuthState>(restore());

/** Why a sign-in failed, as a text key with its values. */
export class SignInError extends Error {
  constructor(
    readonly key: MessageKey,
    readonly vars: Record<string, string | number> = {},
    /** For throttling: when a new attempt is allowed (epoch ms). */
    readonly retryAt: number | null = null,
  ) {
    super(key);
  }
}

export async function signIn(user: string, password: string): Promise<void> {
  let retryAfter: number | null = null;
  const api = apiClient({
    language: langStore.get,
    onResponse: (res) => {
      const header = res.headers.get('retry-after');
      retryAfter = header !== null && /^\d+$/.test(header) ? Number(header) : null;
    },
  });
  try {
    const { user: me } = await api.request('auth.cookie', { body: { user: user.trim(), password } });
    const session = { user: me };
    local.set(SESSION_KEY, JSON.stringify(session));
    local.set(LAST_USER_KEY, me.address);
    authStore.set({ status: 'signed-in', session });
  } catch (err) {
    if (!(err instanceof ParleyApiError)) throw new SignInError('signin.error.network');
    if (err.code === 'PARLEY_ERR_INVALID_CREDENTIALS') throw new SignInError('signin.error.credentials');
    if (err.code === 'PARLEY_ERR_TOO_MANY_REQUESTS') {
      const seconds = retryAfter ?? 1;
      throw new SignInError('signin.error.throttled', { n: seconds }, Date.now() + seconds * 1000);
    }
    if (err.code === 'PARLEY_ERR_VALIDATION') throw new SignInError('signin.error.invalid');
    const { key, vars } = codeText(err.code);
    throw new SignInError(key, vars);
  }
}

/** Forgets the session here (and revokes it on the server, which clears the cookie, when `revoke`). */
export function signOut(notice: 'expired' | 'signed-out', revoke = false): void {
  if (revoke) {
    const api = apiClient({ language: langStore.get });
    void api.request('auth.logout', {}).catch(() => undefined);
  }
  local.set(SESSION_KEY, null);
  authStore.set({ status: 'signed-out', notice });
}

/** The signed-in user changed (profile edit, `user.updated` event, `/me` check). */
export function updateUser(user: User): void {
  const state = authStore.get();
  if (state.status !== 'signed-in') return;
  const session = { ...state.session, user };
  local.set(SESSION_KEY, JSON.stringify(session));
  authStore.set({ status: 'signed-in', session });
}

// Signing out in one tab signs out the others.
window.addEventListener('storage', (e) => {
  if (e.key !== SESSION_KEY) return;
  const next = restore();
  const now = authStore.get();
  if (next.status === 'signed-out' && now.status === 'signed-in') authStore.set({ status: 'signed-out', notice: null });
  if (next.status === 'signed-in' && (now.status === 'signed-out' || now.session.user.id !== next.session.user.id))
    authStore.set(next);
});
