/**
 * Navigations that scripts start: window.open, history.pushState/replaceState, and (where the
 * Navigation API exists: Chromium) every other navigation of this frame, caught by its
 * `navigate` event: `location.href = …`, `location.assign/replace`, `a.click()` on a link built
 * at run time. Location itself cannot be patched ([LegacyUnforgeable]); without the Navigation
 * API those go unmapped and the CSP safety net reports what they load.
 *
 * Leaving the content frame: `top.location = …`, `parent.location = …` and frame-busting
 * (`if (top !== self) top.location = self.location`) are stopped by the content frame's sandbox,
 * which has no allow-top-navigation: the assignment throws a SecurityError in the page's script
 * and the page stays. window.top cannot be redefined in Chromium, so the runtime does not try.
 * The shell's iframe must carry exactly:
 *   sandbox="allow-scripts allow-same-origin allow-forms allow-popups allow-popups-to-escape-sandbox allow-modals allow-downloads allow-pointer-lock allow-top-navigation-to-custom-protocols"
 * allow-same-origin keeps the document's real (gateway) origin, so cookies, localStorage,
 * sessionStorage and IndexedDB work as unsandboxed; allow-popups-to-escape-sandbox lets foreign
 * links open normal tabs; custom protocols (mailto:, tel:) still reach their handlers.
 */

import { native } from '../native.js';
import { patchArguments, safely } from './guard.js';
import { mapArg } from './network.js';
import type { PageUrls } from './page-url.js';

const FRAME_ESCAPES = new Set(['_top', '_parent']);

export function patchNavigation(win: Window & typeof globalThis, urls: PageUrls): void {
  patchArguments(win, 'open', (args) => {
    const out = [...args];
    if (typeof out[0] === 'string' || out[0] instanceof native.URL) {
      const r = urls.toGateway(String(out[0]));
      if (r.kind === 'mapped') out[0] = r.url;
      // A foreign page opens in a new tab, outside the session, never in the content frame.
      else if (r.kind === 'foreign' && !isNewTab(out[1])) out[1] = '_blank';
    }
    if (typeof out[1] === 'string' && FRAME_ESCAPES.has(out[1].toLowerCase())) out[1] = '_self';
    return out;
  });

  for (const name of ['pushState', 'replaceState']) {
    patchArguments(win.History.prototype, name, (args) =>
      args.length > 2 && args[2] != null ? [args[0], args[1], mapArg(urls, args[2])] : args,
    );
  }

  watchNavigations(win, urls);
}

function isNewTab(target: unknown): boolean {
  if (typeof target !== 'string' || target === '') return false;
  const t = target.toLowerCase();
  return t !== '_self' && t !== '_top' && t !== '_parent';
}

interface NavigateEventLike extends Event {
  readonly destination: { readonly url: string };
  readonly navigationType: string;
  readonly formData: FormData | null;
  readonly downloadRequest: string | null;
  readonly hashChange: boolean;
}

interface NavigationLike extends EventTarget {
  navigate(url: string, options?: { history?: 'auto' | 'push' | 'replace' }): unknown;
}

/** Catches navigations of this frame towards a configured origin (mapped) or a foreign one (new tab). */
function watchNavigations(win: Window & typeof globalThis, urls: PageUrls): void {
  const navigation = (win as { navigation?: NavigationLike }).navigation;
  if (!navigation) return;
  const onNavigate = (ev: Event): void => {
    safely(() => {
      const e = ev as NavigateEventLike;
      if (!e.cancelable || e.hashChange || e.downloadRequest !== null || e.formData !== null) return;
      if (e.navigationType === 'traverse' || e.navigationType === 'reload') return;
      const dest = e.destination.url;
      if (dest.startsWith(win.location.origin + '/') || !/^https?:/i.test(dest)) return;
      const r = urls.toGateway(dest);
      if (r.kind === 'mapped') {
        e.preventDefault();
        navigation.navigate(r.url, { history: e.navigationType === 'replace' ? 'replace' : 'auto' });
      } else if (r.kind === 'foreign') {
        e.preventDefault();
        native.open.call(win, dest, '_blank', 'noopener');
      }
    }, undefined);
  };
  safely(() => native.addEventListener.call(navigation, 'navigate', onNavigate), undefined);
}
