/**
 * What a person reads for each error code of `@parley/api` (`lib/errors.ts` requires one per code),
 * and the frame around validation details and unknown codes. English, the reference.
 */
export const errorsEn = {
  'error.details': '{text} {details}',
  'error.unknown': 'The server refused this ({code}).',
  'error.code.PARLEY_ERR_VALIDATION': 'Some input is not valid.',
  'error.code.PARLEY_ERR_BAD_JSON': 'The app sent a request the server could not read.',
  'error.code.PARLEY_ERR_UNAUTHENTICATED': 'Your session has ended. Please sign in again.',
  'error.code.PARLEY_ERR_INVALID_CREDENTIALS': 'Wrong address or password.',
  'error.code.PARLEY_ERR_FORBIDDEN': 'You are not allowed to do this.',
  'error.code.PARLEY_ERR_NOT_FOUND': 'This no longer exists.',
  'error.code.PARLEY_ERR_CONFLICT': 'This exists already.',
  'error.code.PARLEY_ERR_BODY_TOO_LARGE': 'This is too large.',
  'error.code.PARLEY_ERR_UNSUPPORTED_MEDIA_TYPE': 'This type of file is not accepted.',
  'error.code.PARLEY_ERR_TOO_MANY_REQUESTS': 'Too many attempts. Please wait a moment and try again.',
  'error.code.PARLEY_ERR_INTERNAL': 'The server had a problem. Please try again later.',
  'error.code.PARLEY_ERR_NOT_READY': 'The server is not ready yet. Please try again in a moment.',
  'error.code.PARLEY_ERR_INVALID_STATE': 'The call has changed in the meantime. Look at it again and retry.',
  'error.code.PARLEY_ERR_DEVICE_UNSUPPORTED':
    'Your phone cannot do this remotely, or this server cannot do it yet. Please use the phone itself.',
  'error.code.PARLEY_ERR_DEVICE_UNREACHABLE':
    'Your phone is not reachable. Check that it is switched on and registered.',
  'error.code.PARLEY_ERR_QUOTA_EXCEEDED': 'Your storage is full. Delete messages with files to make room.',
  // Per field, by what went wrong (`lib/errors.ts` formErrors): shown next to the field and in the summary.
  'error.invalid.local':
    'The user name takes 1–64 letters, digits, dots, dashes or underscores, starting and ending with a letter or digit.',
  'error.invalid.domain': 'Enter a domain of this organisation, such as example.com.',
  'error.invalid.displayName': 'Enter a display name of at most 200 characters.',
  'error.invalid.email': 'Enter an e-mail address such as alice@example.com.',
  'error.invalid.numbers': 'Enter numbers such as +49 711 123456 or 1234, separated by commas.',
  'error.invalid.number': 'This is not a phone number you can use here. Enter one such as +49 711 123456 or 1234.',
  'error.invalid.to':
    'Enter a number such as +49 170 1234567 or 201, or an address such as bob@example.com; not one of your own lines or your own address.',
  'error.invalid.afterSeconds': 'Enter 5 to 120 seconds.',
  'error.invalid.did': 'Enter a direct number such as +49 711 12345-201.',
  'error.invalid.password': 'The password needs at least 8 characters.',
  'error.invalid.current': 'Enter your current password.',
  'error.invalid.role': 'Choose one of the roles offered.',
  'error.invalid.url': 'Enter an address starting with http:// or https://.',
  'error.invalid.username': 'Enter the user name for the calendar.',
  'error.invalid.name': 'Enter a name of at most 100 characters.',
  'error.invalid.country': 'Enter a country as two letters, such as DE.',
  'error.invalid.areaCode': 'Enter 1–6 digits without the trunk prefix, such as 711.',
  'error.invalid.pbxBase': 'Enter the base number in E.164 form, such as +49711123456.',
  'error.invalid.trunkPrefix': 'Enter at most 3 digits, such as 0.',
  'error.invalid.exitPrefix': 'Enter 1–4 digits, such as 00.',
  'error.invalid.note': 'The note is too long.',
  'error.invalid.until': 'The end must lie in the future.',
  'error.invalid.source': 'The source could not be read: {detail}',
  'error.invalid.config': 'The connection settings are not valid: {detail}',
  'error.conflict.local': 'A user with this name exists already.',
  'error.conflict.domain': 'This domain belongs to a tenant already.',
  'error.conflict.number':
    'This number is taken: another line has it, or dialling it would reach another line (also through its DID).',
  'error.conflict.name': 'Something with this name exists already.',
  'error.credentials.current': 'The current password is wrong.',
};
