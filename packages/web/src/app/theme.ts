import { local } from '../lib/local';
import { Store } from '../lib/store';

export type Theme = 'system' | 'light' | 'dark';
const THEME_KEY = 'parley.theme';

const stored = local.get(THEME_KEY);
export const themeStore = new Store<Theme>(stored === 'light' || stored === 'dark' ? stored : 'system');

function apply(theme: Theme) {
  if (theme === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
}
apply(themeStore.get());

export function setTheme(theme: Theme): void {
  local.set(THEME_KEY, theme === 'system' ? null : theme);
  apply(theme);
  themeStore.set(theme);
}
