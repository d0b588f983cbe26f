// XEP-0084 user avatars from the user record: the two avatar nodes (`urn:xmpp:avatar:data`,
// `urn:xmpp:avatar:metadata`) of each account's PEP (pep.ts routes them here) are the core's avatar,
// not stored nodes. Anyone who may see the user (not blocked; as for the vCard) gets their items;
// the user publishes data then metadata, which sets the core's avatar (the web app's too); every
// change goes as a +notify event to the clients here that ask for it (pep.ts sends it).
import type { Services } from '../../../compose.js';
import { AVATAR_MAX_BYTES } from '../../../core/users/avatars.js';
import type { User } from '../../../core/users/model.js';
import { StanzaError } from '../errors.js';
import type { C2sSession } from '../module.js';
import { type XmlElement, x } from '../xml/element.js';
import {
  AVATAR_DATA,
  AVATAR_METADATA,
  itemsOf,
  type PepAvatar,
  PUBSUB_ERRORS,
  parseAvatarPublish,
  published,
} from './avatar-pep.js';

/** Image data published and waiting for its metadata, per user (one each). */
const MAX_PENDING = 1000;

export class AvatarNodes {
  private readonly pending = new Map<string, { id: string; bytes: Buffer }>();

  constructor(private readonly core: Services) {}

  async avatarOf(user: User): Promise<PepAvatar | null> {
    return (await this.core.avatars.get(user.tenantId, user.id)) ?? null;
  }

  /** The items of an avatar node (whoever asks may read them). */
  async items(owner: User, node: string, itemId: string | undefined): Promise<XmlElement> {
    const avatar = await this.avatarOf(owner);
    if (!avatar) throw new StanzaError('item-not-found', 'no avatar');
    return itemsOf(node, avatar, itemId);
  }

  /** The owner publishes image data (kept until its metadata comes) or the metadata (which sets the avatar). */
  async publish(user: User, node: string, id: string | undefined, payload: XmlElement): Promise<XmlElement> {
    const q = parseAvatarPublish(node, id, payload);
    const key = `${user.tenantId} ${user.id}`;
    if (q.kind === 'data') {
      if (q.bytes.length > AVATAR_MAX_BYTES) {
        throw new StanzaError(
          'not-acceptable',
          `at most ${AVATAR_MAX_BYTES} bytes`,
          'modify',
          x('payload-too-big', { xmlns: PUBSUB_ERRORS }),
        );
      }
      if (this.pending.size >= MAX_PENDING) this.pending.clear();
      this.pending.set(key, { id: q.id, bytes: q.bytes });
      return published(AVATAR_DATA, q.id);
    }
    if (!q.info) {
      await this.core.avatars.remove(user.tenantId, user.id);
      return published(AVATAR_METADATA, 'current');
    }
    const data = this.pending.get(key);
    if (data?.id === q.info.id) {
      await this.core.avatars.set(user.tenantId, user.id, { contentType: q.info.type, bytes: data.bytes });
      this.pending.delete(key);
    } else if ((await this.core.avatars.hash(user.tenantId, user.id)) !== q.info.id) {
      throw new StanzaError('item-not-found', 'publish the image to urn:xmpp:avatar:data first');
    }
    return published(AVATAR_METADATA, q.info.id);
  }

  sessionEnded(session: C2sSession): void {
    this.pending.delete(`${session.tenantId} ${session.user.id}`);
  }
}
