// The API form (`@parley/api`) of a user's call settings, for the HTTP routes and the event socket.
import type { CallSettings as CallSettingsDto } from '@parley/api';
import type { CallSettings } from '../../core/forwarding/model.js';
import { isoOrNull } from './time.js';

export const callSettingsView = (s: CallSettings): CallSettingsDto => ({ ...s, updatedAt: isoOrNull(s.updatedAt) });
