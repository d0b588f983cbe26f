import { useMemo } from 'react';
import { local } from '../lib/local';
import { Store, useStore } from '../lib/store';
import { de } from './de';
import { en, type MessageKey, type Messages } from './en';

export type { MessageKey };
export type Lang = 'en' | 'de';
export const languages: Record<Lang, { name: string; messages: Messages }> = {
  en: { name: 'English', messages: en },
  de: { name: 'Deutsch', messages: de },
};

const LANG_KEY = 'parley.lang';
const isLang = (l: string | null | undefined): l is Lang => l === 'en' || l === 'de';

/** The stored choice, else the browser's first language we have, else English. */
function initialLang(): Lang {
  const stored = local.get(LANG_KEY);
  if (isLang(stored)) return stored;
  for (const l of navigator.languages ?? [navigator.language]) {
    const base = l.toLowerCase().split('-')[0];
    if (isLang(base)) return base;
  }
  return 'en';
}

export const langStore = new Store<Lang>(initialLang());
document.documentElement.lang = langStore.get();

export function setLang(lang: Lang): void {
  local.set(LANG_KEY, lang);
  document.documentElement.lang = lang;
  langStore.set(lang);
}

export type Vars = Record<string, string | number>;

export function translate(lang: Lang, key: MessageKey, vars?: Vars): string {
  const text = languages[lang].messages[key] ?? en[key];
  return vars ? text.replace(/\{(\w+)\}/g, (m, name: string) => String(vars[name] ?? m)) : text;
}

export interface I18n {
  lang: Lang;
  t: (key: MessageKey, vars?: Vars) => string;
  /** 14:30 */
  time: (iso: string) => string;
  /** Mon, 3 Nov 14:30 (date only when not today) */
  when: (iso: string) => string;
  /** Monday, 3 November 2026 */
  day: (iso: string) => string;
}

export function i18nFor(lang: Lang): I18n {
  const time = new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit' });
  const dated = new Intl.DateTimeFormat(lang, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
  });
  const day = new Intl.DateTimeFormat(lang, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
  return {
    lang,
    t: (key, vars) => translate(lang, key, vars),
    time: (iso) => time.format(new Date(iso)),
    when: (iso) => {
      const d = new Date(iso);
      return d.toDateString() === new Date().toDateString() ? time.format(d) : dated.format(d);
    },
    day: (iso) => day.format(new Date(iso)),
  };
}

export function useI18n(): I18n {
  const lang = useStore(langStore, (l) => l);
  return useMemo(() => i18nFor(lang), [lang]);
}
