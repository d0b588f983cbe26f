import { Fragment, type ReactNode, useRef, useState } from 'react';

/**
 * A button that opens a modal dialog (a group's sheet). The content is mounted at the first
 * opening and afresh at each one after, so a dialog never shows what was typed the time before.
 */
export function DialogButton({
  className,
  labelledBy,
  label,
  title,
  children,
}: {
  className: string;
  /** A tooltip (for a button that shows an icon only). */
  title?: string;
  /** The id of the dialog's heading (in the content). */
  labelledBy: string;
  label: ReactNode;
  /** The content; `close()` closes the dialog. */
  children: (close: () => void) => ReactNode;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [round, setRound] = useState(0);
  return (
    <>
      <button
        type="button"
        className={className}
        aria-haspopup="dialog"
        title={title}
        onClick={() => {
          setRound((n) => n + 1);
          dialog.current?.showModal();
        }}
      >
        {label}
      </button>
      <dialog ref={dialog} className="sheet group-dialog" aria-labelledby={labelledBy}>
        {round > 0 && <Fragment key={round}>{children(() => dialog.current?.close())}</Fragment>}
      </dialog>
    </>
  );
}
