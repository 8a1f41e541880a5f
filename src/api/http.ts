// What `serve` loads of the HTTP side, in one dynamic import (src/server.ts): Fastify and the routes load while the
// embedded database starts in its worker thread.
export { buildApp } from './app.ts';
export { KeystoneTokenValidator } from './auth.ts';
