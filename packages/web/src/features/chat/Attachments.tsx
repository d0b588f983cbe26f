import type { AttachmentInfo } from '@parley/api';
import { type MouseEvent, useRef, useState } from 'react';
import { useI18n } from '../../i18n';
import { formatSize } from '../../lib/size';
import { isImage } from './attachments';
import { FileIcon } from './icons';

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

/**
 * An image attachment: a thumbnail that opens full size in the app's own viewer. Both are `<img>`
 * elements on the download URL (the session cookie authenticates them), so an image never becomes
 * a document of this origin: an SVG with a script shows as a picture and runs nothing.
 */
function ImageAttachment({ a }: { a: AttachmentInfo }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [failed, setFailed] = useState(false);
  const dialog = useRef<HTMLDialogElement>(null);
  const size = formatSize(a.size, i18n.lang);
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
        onClick={() => dialog.current?.showModal()}
      >
        <img className="thumb-img" src={a.url} alt="" onError={() => setFailed(true)} />
      </button>
      {/* biome-ignore lint/a11y/useKeyWithClickEvents: Escape closes a modal dialog; the click is for the backdrop */}
      <dialog ref={dialog} className="viewer" aria-label={a.name} onClick={backdrop}>
        <figure>
          <img className="viewer-img" src={a.url} alt={a.name} />
          <figcaption>
            <span className="viewer-name">{a.name}</span>
            <span className="muted">{size}</span>
            <a className="button" href={a.url} download={a.name}>
              {t('chat.download')}
            </a>
            <button type="button" onClick={() => dialog.current?.close()}>
              {t('presence.close')}
            </button>
          </figcaption>
        </figure>
      </dialog>
    </>
  );
}

/** Any other file: a real download (the server answers with `Content-Disposition: attachment`). */
function FileAttachment({ a }: { a: AttachmentInfo }) {
  const i18n = useI18n();
  const size = formatSize(a.size, i18n.lang);
  return (
    <a
      className="file"
      href={a.url}
      download={a.name}
      data-attachment={a.name}
      aria-label={i18n.t('chat.downloadFile', { name: a.name, size })}
    >
      <FileIcon />
      <span className="file-name">{a.name}</span> <span className="file-size">{size}</span>
    </a>
  );
}
