/** The texts of users' lines (extensions and DIDs) in the admin's user list and editor. English, the reference. */
export const linesEn = {
  'lines.title': 'Lines',
  'lines.intro':
    "Numbers that reach this user's phones: an internal extension and, if it has one, a direct number (DID).",
  'lines.none': 'No lines yet.',
  'lines.number': 'Extension',
  'lines.numberHint': 'Digits, such as 201',
  'lines.did': 'Direct number (DID)',
  'lines.didHint': 'Optional, such as +49 711 12345-201',
  'lines.noDid': 'no DID',
  'lines.add': 'Add line',
  'lines.added': 'Line {number} added.',
  'lines.remove': 'Remove',
  'lines.removeOf': 'Remove line {number}',
  'lines.removeTitle': 'Remove this line?',
  'lines.removeConfirm': 'Calls to {number} no longer reach {name}. Phones bound to it ring for the other lines.',
  'lines.removed': 'Line {number} removed.',
  'lines.list': 'Lines of {name}',
  'lines.group': 'Pickup group',
  'lines.groupSave': 'Save group',
  'lines.groupSet': 'Line {number} is in pickup group {group}.',
  'lines.groupCleared': 'Line {number} is in no pickup group.',
} as const;
