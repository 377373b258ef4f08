/**
 * Runs before every test file (vitest `setupFiles`). Its `afterAll` is registered first, so it
 * runs after the file's own afterAll hooks (vitest runs after-hooks in reverse order): the
 * stores and nats-servers living in the temporary directories are closed by then.
 */
import { afterAll } from 'vitest';
import { removeTempDirs } from './tmp.js';

afterAll(() => {
  removeTempDirs();
});
