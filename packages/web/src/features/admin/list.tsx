import { type ReactNode, useState } from 'react';
import { useI18n } from '../../i18n';
import { errorText } from '../../lib/errors';
import type { Listing } from './admin-store';
import { Modal } from './ui';

/** How many items a list screen shows, or "Loading…" until its first load has come. */
export function ListCount({ list, children }: { list: Listing<unknown>; children: string }) {
  const { t } = useI18n();
  return (
    <p className="muted count" aria-live="polite">
      {list.status === 'loading' && list.items.length === 0 ? t('app.loading') : children}
    </p>
  );
}

/** Why a list could not be loaded (the server's reason), as an alert; nothing while it could. */
export function ListError({ list }: { list: Listing<unknown> }) {
  const { t } = useI18n();
  if (list.status !== 'failed') return null;
  return (
    <p className="form-status error" role="alert">
      {errorText(list.error, t)}
    </p>
  );
}

export interface ListDialogsState<T> {
  /** Whether the dialog that adds an item is open. */
  creating: boolean;
  /** The item open in the editing dialog; null when none is, or when it has left the list. */
  item: T | null;
  create: () => void;
  edit: (id: string) => void;
  closeCreate: () => void;
  closeEdit: () => void;
}

/** Which dialog of a list screen is open: the one that adds an item, or the one that edits an item. */
export function useListDialogs<T extends { id: string }>(items: readonly T[]): ListDialogsState<T> {
  const [editing, setEditing] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  return {
    creating,
    item: items.find((x) => x.id === editing) ?? null,
    create: () => setCreating(true),
    edit: (id) => setEditing(id),
    closeCreate: () => setCreating(false),
    closeEdit: () => setEditing(null),
  };
}

/**
 * A list screen's two dialogs (see `useListDialogs`): `add` for a new item, titled `newTitle`,
 * and `edit` for the chosen item, titled by `titleOf` (wide; it closes when the item goes).
 */
export function ListDialogs<T>({
  dialogs,
  newTitle,
  newWide,
  titleOf,
  add,
  edit,
}: {
  dialogs: ListDialogsState<T>;
  newTitle: string;
  newWide?: boolean;
  titleOf: (item: T) => string;
  add: (close: () => void) => ReactNode;
  edit: (item: T, close: () => void) => ReactNode;
}) {
  const { item } = dialogs;
  return (
    <>
      <Modal open={dialogs.creating} onClose={dialogs.closeCreate} title={newTitle} wide={newWide}>
        {add(dialogs.closeCreate)}
      </Modal>
      <Modal open={item !== null} onClose={dialogs.closeEdit} title={item ? titleOf(item) : ''} wide>
        {item !== null && edit(item, dialogs.closeEdit)}
      </Modal>
    </>
  );
}
