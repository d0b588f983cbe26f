export * from './client.js';
export * from './errors.js';
export * from './events.js';
export * from './openapi.js';
export * from './routes.js';
export * from './schemas.js';
