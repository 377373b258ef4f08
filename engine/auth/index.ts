/** Security: principals and roles, credentials and tokens, the route table, audit. */
export * from './audit.js';
export * from './authority.js';
export * from './middleware.js';
export * from './passwords.js';
export * from './policy.js';
export * from './principal.js';
export * from './scopes.js';
export * from './secrets.js';
export * from './tokens.js';
