/**
 * The one `<script>` tag the rewriter puts early in every proxied HTML page.
 *
 * `hookTag({ src, nonce, data })` renders `<script src="…" nonce="…" data-…="…"></script>`:
 * synchronous (no defer/async) so the hooks run before any script of the page, and marked with
 * `data-tandem-hooks` so the hooks can find their own tag (`document.currentScript` works too).
 *
 * Data attributes, agreed with the hooks (inject/hooks reads them from its own tag; the runtime
 * takes the first three through `installRuntime`):
 *   data-primary      the primary origin, `https://bank.example`
 *   data-allow        the further allowed origins, comma-separated (may be empty)
 *   data-page-origin  the real origin of this page (the primary or one of the allowed)
 *   data-page-url     the real URL of this page (what the origin served)
 *   data-mask         the TANDEM_MASK selector list (optional, '' for none)
 * Keys of `data` are written as `data-<key>`; only [a-z0-9-] keys are accepted.
 */

export interface HookTagOptions {
  /** Where the hooks bundle is served, e.g. Assets.url('hooks.js'). */
  src: string;
  /** The CSP nonce to carry when the page's policy needs one (rewriteResponseHeaders says). */
  nonce?: string | null;
  data: Record<string, string>;
}

const KEY = /^[a-z0-9-]+$/;

export function escapeAttribute(value: string): string {
  return value.replace(/[&"<>]/g, (c) => (c === '&' ? '&amp;' : c === '"' ? '&quot;' : c === '<' ? '&lt;' : '&gt;'));
}

export function hookTag(opts: HookTagOptions): string {
  let tag = `<script src="${escapeAttribute(opts.src)}"`;
  if (opts.nonce) tag += ` nonce="${escapeAttribute(opts.nonce)}"`;
  // A value on every attribute keeps the tag well-formed in XHTML pages too.
  tag += ' data-tandem-hooks=""';
  for (const [key, value] of Object.entries(opts.data)) {
    if (!KEY.test(key)) throw new Error(`hookTag: bad data key ${JSON.stringify(key)}`);
    tag += ` data-${key}="${escapeAttribute(value)}"`;
  }
  return tag + '></script>';
}
