/**
 * The hooks bundle (dist/inject/hooks.js), loaded by the tag the proxy puts early in the head
 * of every proxied HTML page: `<script src=".../hooks.js" data-primary data-allow
 * data-page-origin data-mask>`. Installs the URL runtime first, then the sharing
 * hooks (in frames under a shell only). Nothing is left on the page's globals.
 */

import { installRuntime } from '../runtime/index.js';
import { installSharing } from './page.js';

(() => {
  try {
    const script = document.currentScript as HTMLScriptElement | null;
    const data = script?.dataset ?? {};
    if (window.top === window) {
      // A browser that sent no Sec-Fetch-Dest got this page at top level: move it into a shell.
      const here = location.pathname + location.search + location.hash;
      location.replace('/__tandem/shell?u=' + encodeURIComponent(here));
      return;
    }
    if (data.primary) {
      installRuntime({
        primary: data.primary,
        allowed: (data.allow ?? '').split(',').filter(Boolean),
        pageOrigin: data.pageOrigin ?? data.primary,
      });
    }
    installSharing(window, { mask: data.mask ?? '' });
  } catch {
    /* never throw into the host page */
  }
})();
