// One rendering of a contact's presence shared by the sessions it goes to. The core hands every
// watcher of one relation the same view of a change (`core/presence/watch.ts`), so a change fanned
// out to a tenant's sessions is rendered once per view and language (the status text, the avatar's
// hash) and each session's copy differs only in its `to`.
import type { Language } from '../../../core/presence/text.js';
import type { XmlElement } from '../xml/element.js';

/** How long a rendering is reused: its status text may name times relative to when it was made. */
export const SHARED_RENDERING_MS = 1000;

interface Rendering {
  at: number;
  stanza: Promise<XmlElement>;
}

/** Renderings by view (the core's shared object) and language, each reused for `maxAgeMs`. */
export class SharedRenderings {
  private readonly byView = new WeakMap<object, Map<Language, Rendering>>();

  constructor(private readonly maxAgeMs = SHARED_RENDERING_MS) {}

  /** The rendering of `view` in `lang` made less than `maxAgeMs` before `now`, else `render`'s (kept). */
  get(view: object, lang: Language, now: number, render: () => Promise<XmlElement>): Promise<XmlElement> {
    let byLang = this.byView.get(view);
    if (!byLang) {
      byLang = new Map();
      this.byView.set(view, byLang);
    }
    const kept = byLang.get(lang);
    if (kept && now - kept.at < this.maxAgeMs && now >= kept.at) return kept.stanza;
    const stanza = render();
    byLang.set(lang, { at: now, stanza });
    // A failed rendering is not kept: the next session tries again.
    stanza.catch(() => {
      if (byLang.get(lang)?.stanza === stanza) byLang.delete(lang);
    });
    return stanza;
  }
}
