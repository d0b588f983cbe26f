import { type ReactNode, useEffect, useId, useRef } from 'react';
import { useI18n } from '../../i18n';

/** A modal question with a confirming and a cancelling button; Escape cancels. */
export function ConfirmDialog({
  open,
  title,
  confirm,
  children,
  onConfirm,
  onClose,
}: {
  open: boolean;
  title: string;
  confirm: string;
  children: ReactNode;
  onConfirm: () => void;
  onClose: () => void;
}) {
  const { t } = useI18n();
  const id = useId();
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog
      ref={dialog}
      className="sheet confirm"
      aria-labelledby={`${id}-title`}
      onClose={(e) => {
        // React passes a dialog's close on to the handlers of the dialogs around it (the settings
        // sheet, an admin editor): this one's closing must not close them.
        e.stopPropagation();
        onClose();
      }}
    >
      <h2 id={`${id}-title`}>{title}</h2>
      <p>{children}</p>
      <div className="actions">
        <button
          type="button"
          className="danger"
          onClick={() => {
            onConfirm();
            dialog.current?.close();
          }}
        >
          {confirm}
        </button>
        <button type="button" onClick={() => dialog.current?.close()}>
          {t('chat.cancel')}
        </button>
      </div>
    </dialog>
  );
}
