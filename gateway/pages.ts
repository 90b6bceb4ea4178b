/**
 * The pages the gateway serves itself: the shell (control frame), the console, and the bundled
 * browser code under /__tandem/assets/. Configuration reaches the page as JSON data in a
 * `<script type="application/json">`, never as code.
 */

import { readFileSync, existsSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { gzipSync, brotliCompressSync, constants as zlibConstants } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { App } from './app.js';
import { sendError } from './errors.js';

/** Where esbuild writes the browser bundles (dist/inject). */
const ASSET_DIR = fileURLToPath(new URL('../inject/', import.meta.url));

interface Asset {
  body: Buffer;
  gzip: Buffer;
  br: Buffer;
  etag: string;
  type: string;
}

const TYPES: Record<string, string> = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8', map: 'application/json' };

/**
 * The build's compressed copy of an asset (scripts/bundle.mjs, at the best ratios), if it is not
 * older than the asset. Without one the gateway compresses at fast settings: brotli at its best
 * takes the better part of a second for the shell, all of it on the event loop.
 */
function precompressed(file: string, ext: '.gz' | '.br'): Buffer | null {
  const copy = file + ext;
  if (!existsSync(copy) || statSync(copy).mtimeMs < statSync(file).mtimeMs) return null;
  return readFileSync(copy);
}

export class Assets {
  readonly #cache = new Map<string, Asset>();

  /** A versioned URL, so pages may cache the asset forever. */
  url(name: string): string {
    const a = this.#load(name);
    return `/__tandem/assets/${name}?v=${a ? a.etag.slice(1, 11) : '0'}`;
  }

  serve(req: IncomingMessage, res: ServerResponse, name: string): void {
    const a = this.#load(name);
    if (!a) return sendError(res, 'TANDEM_ERR_NOT_FOUND', `no asset ${name}`);
    if (req.headers['if-none-match'] === a.etag) {
      res.writeHead(304, { etag: a.etag }).end();
      return;
    }
    const accept = String(req.headers['accept-encoding'] ?? '');
    const [body, encoding] = /\bbr\b/.test(accept) ? [a.br, 'br'] : /\bgzip\b/.test(accept) ? [a.gzip, 'gzip'] : [a.body, undefined];
    const headers: Record<string, string | number> = {
      'content-type': a.type,
      'content-length': body.length,
      etag: a.etag,
      vary: 'accept-encoding',
      'cache-control': 'public, max-age=31536000, immutable',
      'access-control-allow-origin': '*',
    };
    if (encoding) headers['content-encoding'] = encoding;
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  #load(name: string): Asset | null {
    if (!/^[a-z0-9-]+\.(js|css|map)$/.test(name)) return null;
    const cached = this.#cache.get(name);
    if (cached) return cached;
    const file = ASSET_DIR + name;
    if (!existsSync(file)) return null;
    const body = readFileSync(file);
    const asset: Asset = {
      body,
      gzip: precompressed(file, '.gz') ?? gzipSync(body, { level: 6 }),
      br: precompressed(file, '.br') ?? brotliCompressSync(body, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 5 } }),
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 20)}"`,
      type: TYPES[name.split('.').pop()!],
    };
    this.#cache.set(name, asset);
    return asset;
  }
}

/** What the shell page needs to know; sent as JSON data. */
export interface ShellConfig {
  role: 'customer' | 'operator';
  /** The path the content frame opens first ('' to wait for the session's replay). */
  content: string;
  hub: string;
  control: App['config']['operatorControl'];
  mask: string;
  /** For an operator opening a session URL: the session and its hub token. */
  session?: { id: string; code: string; token: string; name: string };
  /**
   * For an operator's mirror: the customers' origin (where the page's resources are; '' for this
   * origin) and the resource token its URLs carry (`/__tandem/r/<token>/<path>`).
   */
  resources?: { origin: string; token: string };
}

export function escapeJsonForHtml(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * Keeps the page inside the content frame: no allow-top-navigation, so `top.location = …` and
 * frame-busting fail in the page's own script (inject/runtime/navigation.ts); allow-same-origin
 * keeps the gateway origin, so cookies, storage and the shell's access to the frame work.
 */
export const CONTENT_SANDBOX =
  'allow-scripts allow-same-origin allow-forms allow-popups allow-popups-to-escape-sandbox allow-modals allow-downloads allow-pointer-lock allow-top-navigation-to-custom-protocols';

/**
 * The content frame's sandbox for a customer's browser. Where the shell can catch the top
 * window's navigations (the Navigation API: Chromium 102 on, known by its client hint), the
 * frame may navigate top: `top.location = …` and `parent.location.assign(…)` then start a
 * navigation that the shell cancels and carries into the content frame, and a frame buster's
 * navigation to the frame's own address is cancelled (inject/shell/top-navigation.ts).
 * Elsewhere top navigation stays off: those assignments throw in the page's script.
 */
export function contentSandbox(secChUa: string | string[] | undefined): string {
  const m = typeof secChUa === 'string' ? /"Chromium";\s*v="(\d+)"/.exec(secChUa) : null;
  return m && Number(m[1]) >= 102 ? `${CONTENT_SANDBOX} allow-top-navigation` : CONTENT_SANDBOX;
}

export function renderShell(assets: Assets, config: ShellConfig, sandbox = CONTENT_SANDBOX): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tandem</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${assets.url('shell.css')}">
<script type="application/json" id="tandem-config">${escapeJsonForHtml(config)}</script>
<script src="${assets.url('shell.js')}" defer></script>
</head><body class="tandem-shell" data-role="${escapeHtml(config.role)}" data-status="idle">
<header class="tandem-bar" role="toolbar" aria-label="Tandem">
  <span class="tandem-brand">Tandem</span>
  <span class="tandem-status" data-tandem="status">idle</span>
  <span class="tandem-code" data-tandem="code"></span>
  <span class="tandem-link" aria-live="polite"></span>
  <form class="tandem-address-form" role="search"><input data-tandem="address" aria-label="Page address" spellcheck="false" autocomplete="off"></form>
  <span class="tandem-participants" data-tandem="participants"></span>
  <span class="tandem-tools">
    <button type="button" data-tandem="tool-draw" aria-pressed="false">Draw</button>
    <button type="button" data-tandem="tool-clear">Clear</button>
    ${config.role === 'customer' && config.control === 'ask' ? '<label><input type="checkbox" data-tandem="grant-control"> Let operator control</label>' : ''}
    ${config.role === 'operator' ? '<button type="button" data-tandem="invite">Invite</button><button type="button" data-tandem="leave">Leave</button>' : '<button type="button" data-tandem="connect">Call operator</button>'}
  </span>
</header>
<main class="tandem-stage">${
    // An operator's stage gets the mirror's frame from the shell: no proxied page ever loads there.
    config.role === 'customer'
      ? `<iframe data-tandem="content" name="tandem-content" title="Shared page" sandbox="${sandbox}"${config.content ? ` src="${escapeHtml(config.content)}"` : ''}></iframe>`
      : ''
  }</main>
</body></html>`;
}

/**
 * The shell's headers. Its CSP is inherited by an operator's mirror frame (made by the shell),
 * so the mirror loads from the gateway only: this origin and, when the console has an origin of
 * its own, the customers' origin for the page's images, styles and fonts.
 */
function shellHeaders(config: ShellConfig): Record<string, string> {
  const extra = config.resources?.origin ? ` ${config.resources.origin}` : '';
  return {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'x-frame-options': 'DENY',
    'content-security-policy': `default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'${extra}; img-src 'self' data: blob:${extra}; font-src 'self' data:${extra}; media-src 'self' data: blob:${extra}; connect-src 'self' ws: wss:; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'; form-action 'none'`,
    'referrer-policy': 'same-origin',
  };
}

export function sendShell(res: ServerResponse, assets: Assets, config: ShellConfig): void {
  const sandbox = config.role === 'customer' ? contentSandbox(res.req?.headers['sec-ch-ua']) : CONTENT_SANDBOX;
  res.writeHead(200, { ...shellHeaders(config), vary: 'Sec-CH-UA' });
  res.end(renderShell(assets, config, sandbox));
}
