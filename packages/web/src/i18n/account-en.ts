/** The texts of the user's own account in the settings (changing the password). English, the reference. */
export const accountEn = {
  'account.password': 'Change password',
  'account.current': 'Current password',
  'account.new': 'New password',
  'account.newHint': 'At least 8 characters',
  'account.repeat': 'New password again',
  'account.mismatch': 'The two new passwords differ.',
  'account.submit': 'Change password',
  'account.changed': 'Your password was changed. Your other sessions were signed out.',
};
