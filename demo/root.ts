import { fileURLToPath } from 'node:url';

/** The repository's root folder (with a trailing slash), wherever a script or test is started from. */
export const root = fileURLToPath(new URL('..', import.meta.url));
