import { type AttachmentInfo, attachmentPaths } from '@parley/api';
import { csrfHeaders, ParleyApiError } from '../../lib/api';

export interface UploadProgress {
  loaded: number;
  total: number;
}

export interface Upload {
  done: Promise<AttachmentInfo>;
  abort: () => void;
}

/** The API error an answer of raw-bytes routes (uploads) carries, as the typed client would throw it. */
export function apiError(status: number, text: string): ParleyApiError {
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
    return new ParleyApiError(status, body.error?.code ?? 'PARLEY_ERR_INTERNAL', body.error?.message ?? String(status));
  } catch {
    return new ParleyApiError(status, 'PARLEY_ERR_INTERNAL', String(status));
  }
}

/**
 * Uploads a file into a conversation as raw bytes (`POST …/attachments?name=`). XMLHttpRequest
 * rather than fetch: only it reports upload progress.
 */
export function uploadAttachment(conversationId: string, file: File, onProgress: (p: UploadProgress) => void): Upload {
  const xhr = new XMLHttpRequest();
  const done = new Promise<AttachmentInfo>((resolve, reject) => {
    const path = attachmentPaths.upload.replace(':id', encodeURIComponent(conversationId));
    xhr.open('POST', `${path}?name=${encodeURIComponent(file.name || 'file')}`);
    for (const [name, value] of Object.entries(csrfHeaders())) xhr.setRequestHeader(name, value);
    xhr.setRequestHeader('content-type', file.type || 'application/octet-stream');
    xhr.responseType = 'text';
    xhr.upload.onprogress = (e) => onProgress({ loaded: e.loaded, total: e.lengthComputable ? e.total : file.size });
    xhr.onload = () => {
      if (xhr.status === 201) {
        onProgress({ loaded: file.size, total: file.size });
        resolve(JSON.parse(xhr.responseText) as AttachmentInfo);
      } else reject(apiError(xhr.status, xhr.responseText));
    };
    xhr.onerror = () => reject(new TypeError('network error'));
    xhr.onabort = () => reject(new DOMException('aborted', 'AbortError'));
    xhr.send(file);
  });
  return { done, abort: () => xhr.abort() };
}

export const isImage = (a: Pick<AttachmentInfo, 'contentType'>) => a.contentType.startsWith('image/');
