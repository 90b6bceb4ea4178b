/**
 * Script navigations of the top window from the content frame, carried into the content frame:
 * `window.top.location.href = '/rates'`, `window.parent.location.assign(url)`, `top.location.replace(…)`.
 *
 * Where the browser has the Navigation API (Chromium 102 on), the gateway gives the content frame
 * `allow-top-navigation` (gateway/pages.ts contentSandbox), so such an assignment starts a
 * navigation of the shell's window instead of throwing. The shell's `navigate` event sees it
 * first: it is cancelable, because the content frame has the shell's own origin. The shell
 * cancels it and navigates the content frame instead, so the shell and the session stay.
 * A frame buster (`if (top !== self) top.location = self.location`) asks for the frame's own
 * address: that navigation is cancelled and nothing else happens, so the frame stays as it is.
 *
 * Left out on purpose: reloads and history traversals (the browser's own buttons), same-document
 * changes, downloads, and form submissions aimed at the top window (a POST cannot be re-sent
 * from here; the HTML rewriter already turns `target=_top` into the content frame). Navigations
 * the browser itself starts (address bar, bookmarks) are not cancelable and go through.
 *
 * Elsewhere (no Navigation API) the sandbox keeps top navigation off, as before: the assignment
 * throws a SecurityError in the page's script and the page stays.
 */

interface NavigateEventLike extends Event {
  readonly destination: { readonly url: string; readonly sameDocument?: boolean };
  readonly navigationType: string;
  readonly formData: FormData | null;
  readonly downloadRequest: string | null;
  readonly hashChange: boolean;
  readonly sourceElement?: Element | null;
}

const CONTENT_FRAME = 'iframe[data-tandem="content"]';

/** Watches the shell's own window; returns a function that stops watching. */
export function installTopNavigation(win: Window = window): () => void {
  const navigation = (win as { navigation?: EventTarget }).navigation;
  if (!navigation) return () => undefined;
  const onNavigate = (ev: Event): void => {
    try {
      const e = ev as NavigateEventLike;
      if (!e.cancelable || e.hashChange || e.downloadRequest !== null || e.formData !== null) return;
      // The shell following its page in its own address (history.replaceState) is no navigation.
      if (e.destination.sameDocument) return;
      if (e.navigationType !== 'push' && e.navigationType !== 'replace') return;
      // A link or form of the shell itself is the shell's business.
      if (e.sourceElement && e.sourceElement.ownerDocument === win.document) return;
      const frame = win.document.querySelector<HTMLIFrameElement>(CONTENT_FRAME);
      // Only a content frame that the gateway let navigate the top window (a customer's).
      const target = frame?.sandbox.contains('allow-top-navigation') ? frame.contentWindow : null;
      if (!target) return;
      e.preventDefault();
      let current = '';
      try {
        current = target.location.href;
      } catch {
        // The frame shows a page of another origin (a foreign page opened in it): not ours to read.
      }
      const dest = e.destination.url;
      // A frame buster: the page asked the top window to show the page itself. Stopped.
      if (dest === current) return;
      if (e.navigationType === 'replace') target.location.replace(dest);
      else target.location.assign(dest);
    } catch (err) {
      console.warn('[tandem] top navigation', err);
    }
  };
  navigation.addEventListener('navigate', onNavigate);
  return () => navigation.removeEventListener('navigate', onNavigate);
}
