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
  'error.code.PARLEY_ERR_QUOTA_EXCEEDED': 'Your storage is full. Delete messages with files to make room.',
};
