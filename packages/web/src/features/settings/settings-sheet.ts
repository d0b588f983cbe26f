import { Store } from '../../lib/store';

/** Whether the settings sheet is open: its header button and other views (the phone panel) open it. */
export const settingsOpen = new Store(false);

export const openSettings = (): void => settingsOpen.set(true);
