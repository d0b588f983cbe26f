import { type AttachmentInfo, attachmentPaths } from '@parley/api';
import { ParleyApiError } from '../../lib/api';

export interface UploadProgress {
  loaded: number;
  total: number;
}

export interface Upload {
  done: Promise<AttachmentInfo>;
  abort: () => void;
}

function apiError(status: number, text: string): ParleyApiError {
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
export function uploadAttachment(
  token: string,
  conversationId: string,
  file: File,
  onProgress: (p: UploadProgress) => void,
): Upload {
  const xhr = new XMLHttpRequest();
  const done = new Promise<AttachmentInfo>((resolve, reject) => {
    const path = attachmentPaths.upload.replace(':id', encodeURIComponent(conversationId));
    xhr.open('POST', `${path}?name=${encodeURIComponent(file.name || 'file')}`);
    xhr.setRequestHeader('authorization', `Bearer ${token}`);
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

/**
 * Attachment bytes as object URLs. Downloads need the bearer token, which an <img> or a link
 * cannot send, so the app fetches each file once and shows it from memory; the URLs are released
 * when the session ends.
 */
export class AttachmentFiles {
  private readonly urls = new Map<string, Promise<string>>();
  private readonly made: string[] = [];

  constructor(private readonly token: () => string | undefined) {}

  url(a: Pick<AttachmentInfo, 'id' | 'url'>): Promise<string> {
    let p = this.urls.get(a.id);
    if (!p) {
      p = this.fetch(a.url);
      this.urls.set(a.id, p);
      // A failed download may be tried again later.
      p.catch(() => this.urls.delete(a.id));
    }
    return p;
  }

  private async fetch(url: string): Promise<string> {
    const res = await fetch(url, { headers: { authorization: `Bearer ${this.token() ?? ''}` } });
    if (!res.ok) throw apiError(res.status, await res.text());
    const object = URL.createObjectURL(await res.blob());
    this.made.push(object);
    return object;
  }

  /** Saves a file under its name (the browser's download). */
  async save(a: Pick<AttachmentInfo, 'id' | 'url' | 'name'>): Promise<void> {
    const link = document.createElement('a');
    link.href = await this.url(a);
    link.download = a.name;
    document.body.append(link);
    link.click();
    link.remove();
  }

  dispose(): void {
    for (const u of this.made) URL.revokeObjectURL(u);
    this.made.length = 0;
    this.urls.clear();
  }
}
