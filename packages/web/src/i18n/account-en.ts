/** The texts of the user's own account in the settings (the picture, changing the password). English, the reference. */
export const accountEn = {
  'account.password': 'Change password',
  'account.current': 'Current password',
  'account.new': 'New password',
  'account.newHint': 'At least 8 characters',
  'account.repeat': 'New password again',
  'account.mismatch': 'The two new passwords differ.',
  'account.submit': 'Change password',
  'account.changed': 'Your password was changed. Your other sessions were signed out.',
  'avatar.title': 'Picture',
  'avatar.current': 'Your picture',
  'avatar.choose': 'Choose a picture',
  'avatar.hint': 'PNG, JPEG, GIF or WebP, at most 128 KB. Colleagues see it, in XMPP clients too.',
  'avatar.remove': 'Remove picture',
  'avatar.saved': 'Your picture was saved.',
  'avatar.removed': 'Your picture was removed.',
};
