import type { AttachmentInfo, Message } from '@parley/api';
import {
  type ClipboardEvent,
  type DragEvent,
  type FormEvent,
  type KeyboardEvent,
  type RefObject,
  useEffect,
  useId,
  useRef,
  useState,
} from 'react';
import { useServices } from '../../app/services';
import { type I18n, useI18n } from '../../i18n';
import { ParleyApiError } from '../../lib/api';
import { errorText } from '../../lib/errors';
import { randomId } from '../../lib/ids';
import { formatSize } from '../../lib/size';
import { uploadAttachment } from './attachments';
import { PaperclipIcon } from './icons';
import { messagePreview } from './names';

/** What the composer is doing besides writing a new message. */
export type Draft = { kind: 'reply'; message: Message; sender: string } | { kind: 'edit'; message: Message } | null;

interface UploadItem {
  key: string;
  name: string;
  size: number;
  loaded: number;
  status: 'uploading' | 'done' | 'failed';
  error: string | null;
  info: AttachmentInfo | null;
  abort: () => void;
}

const TYPING_REPEAT_MS = 3000;

function uploadError(err: unknown, i18n: I18n): string {
  if (err instanceof ParleyApiError) {
    if (err.code === 'PARLEY_ERR_BODY_TOO_LARGE') return i18n.t('chat.fileTooLarge');
    if (err.code === 'PARLEY_ERR_UNSUPPORTED_MEDIA_TYPE') return i18n.t('chat.fileType');
    if (err.code === 'PARLEY_ERR_QUOTA_EXCEEDED') return i18n.t('chat.quotaExceeded');
    return errorText(err, i18n.t);
  }
  return i18n.t('chat.uploadFailed');
}

/**
 * Writing: a new message (with attachments, uploaded at once with progress), a reply to a quoted
 * message, or an edit of one's own. Enter sends, Shift+Enter starts a line, Escape cancels a reply
 * or an edit.
 */
export function Composer({
  id,
  name,
  draft,
  setDraft,
  input,
}: {
  id: string;
  name: string;
  draft: Draft;
  setDraft: (d: Draft) => void;
  input: RefObject<HTMLTextAreaElement | null>;
}) {
  const services = useServices();
  const i18n = useI18n();
  const { t } = i18n;
  const fieldId = useId();
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [uploads, setUploads] = useState<UploadItem[]>([]);
  const typingSent = useRef(0);
  const picker = useRef<HTMLInputElement>(null);
  const editing = draft?.kind === 'edit' ? draft.message : null;

  // The composer of a newly opened conversation (a new instance: the view is keyed by id) has the
  // focus where there is a keyboard.
  useEffect(() => {
    if (window.matchMedia('(pointer: fine)').matches) input.current?.focus();
  }, [input]);

  // Editing starts from the message's text, in the same render that shows the edit field (not
  // in an effect afterwards, which could overwrite what is typed at once).
  const [editingShown, setEditingShown] = useState<Message | null>(null);
  if (editing !== editingShown) {
    setEditingShown(editing);
    if (editing) setText(editing.text);
  }

  // Uploads still running when the conversation closes are cancelled.
  const live = useRef(uploads);
  live.current = uploads;
  useEffect(
    () => () => {
      for (const u of live.current) if (u.status === 'uploading') u.abort();
    },
    [],
  );

  const stopTyping = () => {
    if (typingSent.current === 0) return;
    typingSent.current = 0;
    services.chat.typing(id, false);
  };

  const patch = (key: string, p: Partial<UploadItem>) =>
    setUploads((list) => list.map((u) => (u.key === key ? { ...u, ...p } : u)));

  const attach = (files: Iterable<File>) => {
    for (const file of files) {
      const key = randomId();
      const upload = uploadAttachment(id, file, (p) => patch(key, { loaded: p.loaded }));
      setUploads((list) => [
        ...list,
        {
          key,
          name: file.name,
          size: file.size,
          loaded: 0,
          status: 'uploading',
          error: null,
          info: null,
          abort: upload.abort,
        },
      ]);
      upload.done.then(
        (info) => patch(key, { status: 'done', info, loaded: file.size }),
        (err: unknown) => {
          if (err instanceof DOMException && err.name === 'AbortError') return;
          patch(key, { status: 'failed', error: uploadError(err, i18n) });
        },
      );
    }
  };

  const drop = (key: string) => {
    setUploads((list) => {
      list.find((u) => u.key === key && u.status === 'uploading')?.abort();
      return list.filter((u) => u.key !== key);
    });
    input.current?.focus();
  };

  const ready = uploads.filter((u) => u.status === 'done' && u.info).map((u) => u.info as AttachmentInfo);
  const busy = uploads.some((u) => u.status === 'uploading');
  const canSend = !busy && (editing ? text.trim() !== '' && text !== editing.text : !!text.trim() || ready.length > 0);

  const cancel = () => {
    if (editing) setText('');
    setDraft(null);
    input.current?.focus();
  };

  const fail = (err: unknown) => {
    const code = err instanceof ParleyApiError ? err.code : null;
    if (code === 'PARLEY_ERR_BODY_TOO_LARGE') return setError(t('error.tooLarge'));
    if (code === 'PARLEY_ERR_TOO_MANY_REQUESTS') return setError(t('error.tooFast'));
    setError(errorText(err, t));
  };

  const send = (e?: FormEvent) => {
    e?.preventDefault();
    if (!canSend) return;
    const body = text.trim();
    setError(null);
    stopTyping();
    if (editing) {
      services.chat.edit(id, editing.id, body).then(() => {
        setText('');
        setDraft(null);
      }, fail);
      return;
    }
    setText('');
    setUploads([]);
    const replyTo = draft?.kind === 'reply' ? draft.message.id : null;
    setDraft(null);
    services.chat.send(id, body, { replyTo, attachments: ready }).catch(fail);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) send(e);
    else if (e.key === 'Escape' && draft) {
      e.preventDefault();
      cancel();
    }
  };

  const onChange = (value: string) => {
    setText(value);
    if (editing || !value.trim()) return stopTyping();
    if (Date.now() - typingSent.current > TYPING_REPEAT_MS) {
      typingSent.current = Date.now();
      services.chat.typing(id, true);
    }
  };

  const onPaste = (e: ClipboardEvent<HTMLTextAreaElement>) => {
    if (editing || e.clipboardData.files.length === 0) return;
    e.preventDefault();
    attach(e.clipboardData.files);
  };

  const onDrop = (e: DragEvent<HTMLFormElement>) => {
    if (editing || e.dataTransfer.files.length === 0) return;
    e.preventDefault();
    attach(e.dataTransfer.files);
  };

  return (
    <form
      className="composer"
      onSubmit={send}
      onDragOver={(e) => e.dataTransfer.types.includes('Files') && e.preventDefault()}
      onDrop={onDrop}
    >
      {draft && (
        <div className="composer-context" data-draft={draft.kind}>
          <span className="composer-context-text">
            <strong>{draft.kind === 'edit' ? t('chat.editing') : t('chat.replyingTo', { name: draft.sender })}</strong>
            {draft.kind === 'reply' && <span className="muted"> {messagePreview(draft.message, i18n)}</span>}
          </span>
          <button
            type="button"
            className="icon-button"
            aria-label={t('chat.cancelDraft')}
            title={t('chat.cancelDraft')}
            onClick={cancel}
          >
            <span aria-hidden="true">✕</span>
          </button>
        </div>
      )}
      {uploads.length > 0 && (
        <ul className="uploads" aria-label={t('chat.attachments')}>
          {uploads.map((u) => (
            <li key={u.key} className={`upload ${u.status}`} data-upload={u.name}>
              <span className="upload-name">{u.name}</span>
              <span className="muted">{formatSize(u.size, i18n.lang)}</span>
              {u.status === 'uploading' && (
                <progress
                  max={u.size || 1}
                  value={Math.min(u.loaded, u.size)}
                  aria-label={t('chat.uploading', { name: u.name })}
                />
              )}
              {u.status === 'done' && <span className="upload-ok">{t('chat.uploaded')}</span>}
              {u.status === 'failed' && (
                <span className="upload-error" role="alert">
                  {u.error}
                </span>
              )}
              <button
                type="button"
                className="icon-button"
                aria-label={t('chat.removeAttachment', { name: u.name })}
                title={t('chat.removeAttachment', { name: u.name })}
                onClick={() => drop(u.key)}
              >
                <span aria-hidden="true">✕</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="composer-row">
        <input
          ref={picker}
          type="file"
          multiple
          hidden
          tabIndex={-1}
          aria-hidden="true"
          onChange={(e) => {
            if (e.target.files) attach(e.target.files);
            e.target.value = '';
          }}
        />
        {!editing && (
          <button
            type="button"
            className="icon-button attach"
            aria-label={t('chat.attach')}
            title={t('chat.attach')}
            onClick={() => picker.current?.click()}
          >
            <PaperclipIcon />
          </button>
        )}
        <label htmlFor={fieldId} className="sr-only">
          {editing ? t('chat.editField') : t('chat.composer', { name })}
        </label>
        <textarea
          ref={input}
          id={fieldId}
          rows={1}
          value={text}
          placeholder={editing ? t('chat.editField') : t('chat.composer', { name })}
          aria-describedby={`${fieldId}-hint`}
          onChange={(e) => onChange(e.target.value)}
          onKeyDown={onKeyDown}
          onPaste={onPaste}
          onBlur={() => !text.trim() && stopTyping()}
        />
        <span id={`${fieldId}-hint`} className="sr-only">
          {draft ? t('chat.composerHintDraft') : t('chat.composerHint')}
        </span>
        <button type="submit" className="primary" disabled={!canSend}>
          {editing ? t('chat.save') : t('chat.send')}
        </button>
      </div>
      {busy && <p className="sr-only">{t('chat.waitUploads')}</p>}
      {error && (
        <p className="composer-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
