/** The frame every demo page shares: head, header with the nav, footer. */

export function esc(s: string | number): string {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The request's own origin, so pages carry absolute self-links for the gateway to rewrite. */
export function selfBase(host: string | undefined): string {
  // A Host header is only echoed when it looks like one, so a forged header cannot inject markup.
  return host && /^[a-zA-Z0-9.:[\]-]+$/.test(host) ? `http://${host}` : '';
}

export interface PageOptions {
  readonly title: string;
  /** The nav entry to highlight: its path. */
  readonly active?: string;
  readonly user: string | null;
  /** `http://host:port` of the request, or '' when the Host header is unusable. */
  readonly base: string;
  readonly body: string;
}

const NAV: readonly [string, string][] = [
  ['/', 'Home'],
  ['/account', 'Accounts'],
  ['/transfer', 'Transfer'],
  ['/cards', 'Cards'],
  ['/savings', 'Savings'],
  ['/loans', 'Loans'],
  ['/rates', 'Rates'],
  ['/profile', 'Profile'],
  ['/help', 'Help'],
];

export function page(o: PageOptions): string {
  const nav = NAV.map(([href, label]) => {
    // Rates is linked absolutely on purpose: a real site mixes both kinds of links.
    const url = href === '/rates' && o.base ? `${o.base}/rates` : href;
    const current = o.active === href ? ' aria-current="page" class="active"' : '';
    return `<li><a href="${esc(url)}"${current}>${label}</a></li>`;
  }).join('');
  const who = o.user
    ? `<span class="who">Signed in as <strong id="signed-in-user">${esc(o.user)}</strong></span>
       <form method="post" action="/logout" class="inline"><button type="submit" id="logout" class="link">Log out</button></form>`
    : `<a href="/login" id="login-link" class="button small">Log in</a>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(o.title)} · Demo Bank</title>
<link rel="icon" href="/static/logo.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/site.css">
<script src="/static/app.js" defer></script>
</head>
<body>
<header class="top">
  <a class="brand" href="${esc(o.base || '')}/"><img src="/static/logo.svg" alt="" width="32" height="32"> Demo Bank</a>
  <nav aria-label="Main"><ul>${nav}</ul></nav>
  <div class="session">${who}</div>
</header>
<main id="main">
${o.body}
</main>
<footer class="bottom">
  <p>Demo Bank is not a bank. It is the demo origin of <a href="/help#tandem">Tandem</a>, made up to show co-browsing.</p>
  <p><a href="/help#privacy">Privacy</a> · <a href="/help#terms">Terms</a> · <a href="${esc(o.base)}/rates">Rates</a></p>
</footer>
</body>
</html>
`;
}
