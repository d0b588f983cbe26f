import type { AttachmentInfo } from '@parley/api';
import { type MouseEvent, useEffect, useRef, useState } from 'react';
import { useServices } from '../../app/services';
import { type I18n, useI18n } from '../../i18n';
import { isImage } from './attachments';
import { FileIcon } from './icons';

/** 12 kB, 3.4 MB: in the user's language. */
export function formatSize(bytes: number, i18n: I18n): string {
  const units = ['byte', 'kilobyte', 'megabyte', 'gigabyte'] as const;
  let n = bytes;
  let u = 0;
  while (n >= 1000 && u < units.length - 1) {
    n /= 1000;
    u++;
  }
  return new Intl.NumberFormat(i18n.lang, {
    style: 'unit',
    unit: units[u],
    unitDisplay: 'short',
    maximumFractionDigits: n < 10 && u > 0 ? 1 : 0,
  }).format(n);
}

/** An object URL of an attachment's bytes (fetched with the session's token), once loaded. */
function useFileUrl(a: AttachmentInfo): { url: string | null; failed: boolean } {
  const { chat } = useServices();
  const [state, setState] = useState<{ url: string | null; failed: boolean }>({ url: null, failed: false });
  useEffect(() => {
    let live = true;
    chat.files.url(a).then(
      (url) => live && setState({ url, failed: false }),
      () => live && setState({ url: null, failed: true }),
    );
    return () => {
      live = false;
    };
  }, [a, chat]);
  return state;
}

/** A message's attachments: images as thumbnails (open full size), other files as download links. */
export function AttachmentList({ attachments }: { attachments: readonly AttachmentInfo[] }) {
  if (attachments.length === 0) return null;
  const images = attachments.filter(isImage);
  const files = attachments.filter((a) => !isImage(a));
  return (
    <div className="attachments">
      {images.length > 0 && (
        <ul className="thumbs">
          {images.map((a) => (
            <li key={a.id}>
              <ImageAttachment a={a} />
            </li>
          ))}
        </ul>
      )}
      {files.length > 0 && (
        <ul className="files">
          {files.map((a) => (
            <li key={a.id}>
              <FileAttachment a={a} />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function ImageAttachment({ a }: { a: AttachmentInfo }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { url, failed } = useFileUrl(a);
  const dialog = useRef<HTMLDialogElement>(null);
  const size = formatSize(a.size, i18n);
  if (failed) return <FileAttachment a={a} />;
  const backdrop = (e: MouseEvent<HTMLDialogElement>) => {
    if (e.target === e.currentTarget) dialog.current?.close();
  };
  return (
    <>
      <button
        type="button"
        className="thumb"
        data-attachment={a.name}
        aria-label={t('chat.openImage', { name: a.name, size })}
        title={a.name}
        disabled={!url}
        onClick={() => dialog.current?.showModal()}
      >
        {url ? <img className="thumb-img" src={url} alt="" /> : <span className="thumb-wait">{t('app.loading')}</span>}
      </button>
      {/* biome-ignore lint/a11y/useKeyWithClickEvents: Escape closes a modal dialog; the click is for the backdrop */}
      <dialog ref={dialog} className="viewer" aria-label={a.name} onClick={backdrop}>
        {url && (
          <figure>
            <img className="viewer-img" src={url} alt={a.name} />
            <figcaption>
              <span className="viewer-name">{a.name}</span>
              <span className="muted">{size}</span>
              <a className="button" href={url} download={a.name}>
                {t('chat.download')}
              </a>
              <button type="button" onClick={() => dialog.current?.close()}>
                {t('presence.close')}
              </button>
            </figcaption>
          </figure>
        )}
      </dialog>
    </>
  );
}

function FileAttachment({ a }: { a: AttachmentInfo }) {
  const i18n = useI18n();
  const { chat } = useServices();
  const [failed, setFailed] = useState(false);
  const size = formatSize(a.size, i18n);
  const save = (e: MouseEvent<HTMLAnchorElement>) => {
    e.preventDefault();
    setFailed(false);
    chat.files.save(a).catch(() => setFailed(true));
  };
  return (
    <a
      className="file"
      href={a.url}
      download={a.name}
      data-attachment={a.name}
      aria-label={i18n.t('chat.downloadFile', { name: a.name, size })}
      onClick={save}
    >
      <FileIcon />
      <span className="file-name">{a.name}</span> <span className="file-size">{size}</span>
      {failed && <span role="alert">{i18n.t('chat.downloadFailed')}</span>}
    </a>
  );
}
