import type { AnchorHTMLAttributes, MouseEvent } from 'react';
import { Store } from '../lib/store';

/** The screens that have an address. Served by the server's fallback to index.html on reload. */
export type Route =
  | { name: 'chats' }
  | { name: 'chat'; id: string }
  | { name: 'contacts' }
  | { name: 'calls'; journal: boolean }
  | { name: 'directory'; details: boolean }
  | { name: 'admin'; section: AdminSection | null };

export type AdminSection = 'users' | 'sources' | 'federation' | 'tenants';

export const paths = {
  chats: '/',
  chat: (id: string) => `/chats/${encodeURIComponent(id)}`,
  contacts: '/contacts',
  /** The phone panel and the call journal. */
  calls: '/calls',
  /** The call journal (on a phone it replaces the phone panel). */
  journal: '/calls/journal',
  directory: '/directory',
  /** The card or lookup pane (on a phone it replaces the search). */
  directoryDetails: '/directory/details',
  admin: (section?: AdminSection) => (section ? `/admin/${section}` : '/admin'),
};

export function parseRoute(pathname: string): Route {
  const chat = /^\/chats\/([^/]+)\/?$/.exec(pathname);
  if (chat?.[1]) return { name: 'chat', id: decodeURIComponent(chat[1]) };
  if (/^\/contacts\/?$/.test(pathname)) return { name: 'contacts' };
  const calls = /^\/calls(\/journal)?\/?$/.exec(pathname);
  if (calls) return { name: 'calls', journal: calls[1] !== undefined };
  const directory = /^\/directory(\/details)?\/?$/.exec(pathname);
  if (directory) return { name: 'directory', details: directory[1] !== undefined };
  const admin = /^\/admin(?:\/(users|sources|federation|tenants))?\/?$/.exec(pathname);
  if (admin) return { name: 'admin', section: (admin[1] as AdminSection | undefined) ?? null };
  return { name: 'chats' };
}

export const routeStore = new Store<Route>(parseRoute(window.location.pathname));
window.addEventListener('popstate', () => routeStore.set(parseRoute(window.location.pathname)));

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === window.location.pathname) return;
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  routeStore.set(parseRoute(to));
}

/** An ordinary link (open in new tab works) that navigates inside the app on a plain click. */
export function Link({ to, onClick, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { to: string }) {
  const click = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={click} {...rest} />;
}
