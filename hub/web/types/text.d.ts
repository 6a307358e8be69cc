// Types of the modules the hub (and the province centre) generate at start
// from shared/text/vi.ts and the config (hub/http/pages.ts, central/http.ts):
// the pages import them as /assets/<name>.js; tsconfig.web.json maps those
// names here, so a page that reads a text key that does not exist fails the
// type check. Nothing here reaches the browser.
//
// `T` is typed as every table a page may hold: a page adds its own tables
// (text-admin.js, …) to it with Object.assign before it reads them, and the
// province pages receive `central` in their text.js.
import type { centralText } from '../../../shared/text/vi/central.js';
import type { uiText } from '../../../shared/text/vi.js';

declare const text: typeof uiText & { central: typeof centralText };
export default text;
