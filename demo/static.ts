/** The demo bank's own static files: stylesheet, images and its one small script. Nothing external. */

/** The stylesheet carries absolute `url()`s of the request's host too, so CSS rewriting has work to do. */
export function css(base: string): string {
  return `:root { --brand: #0b4f8a; --brand-dark: #083a66; --accent: #1f9d74; --bg: #f4f6f9; --text: #1d2430; --muted: #5b6676; --danger: #b42318; }
* { box-sizing: border-box; }
html { scroll-behavior: auto; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--text); background: var(--bg) url("bg.svg") repeat-x 0 0; }
a { color: var(--brand); }
header.top { display: flex; align-items: center; gap: 1.5rem; padding: .75rem 1.5rem; background: var(--brand) url(${base}/static/stripes.svg) repeat; color: #fff; position: sticky; top: 0; z-index: 10; }
header.top a { color: #fff; text-decoration: none; }
.brand { display: flex; align-items: center; gap: .5rem; font-weight: 700; font-size: 1.2rem; }
nav ul { list-style: none; display: flex; flex-wrap: wrap; gap: .25rem; margin: 0; padding: 0; }
nav a { padding: .35rem .7rem; border-radius: 4px; }
nav a.active, nav a:hover { background: var(--brand-dark); }
.session { margin-left: auto; display: flex; align-items: center; gap: .75rem; }
.inline { display: inline; margin: 0; }
button.link { background: none; border: 0; color: #fff; text-decoration: underline; cursor: pointer; font: inherit; }
main { max-width: 980px; margin: 2rem auto; padding: 0 1.5rem; }
footer.bottom { border-top: 1px solid #d8dde5; color: var(--muted); text-align: center; padding: 1.5rem; font-size: .9rem; }
.hero { padding: 2rem; border-radius: 10px; background: #fff url(/static/bg.svg) no-repeat right bottom; box-shadow: 0 1px 3px rgba(0,0,0,.08); }
.lead { font-size: 1.1rem; color: var(--muted); }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 1rem; margin-top: 1.5rem; }
.tile, .card { display: block; background: #fff; border-radius: 8px; padding: 1rem 1.25rem; box-shadow: 0 1px 3px rgba(0,0,0,.08); color: inherit; text-decoration: none; }
.tile:hover { outline: 2px solid var(--brand); }
.button { display: inline-block; background: var(--brand); color: #fff; border: 0; border-radius: 6px; padding: .6rem 1.1rem; font: inherit; cursor: pointer; text-decoration: none; }
.button.secondary { background: #e3e8ef; color: var(--text); }
.button.small { padding: .3rem .8rem; background: #fff; color: var(--brand) !important; }
.narrow { max-width: 420px; margin: 0 auto; }
.form fieldset { border: 1px solid #d8dde5; border-radius: 8px; margin: 0 0 1rem; padding: 1rem; }
.form legend { font-weight: 600; padding: 0 .4rem; }
.field { display: flex; flex-direction: column; gap: .25rem; margin-bottom: .8rem; }
.field input:not([type=checkbox]):not([type=radio]), .field select, .field textarea, .editable { font: inherit; padding: .45rem .6rem; border: 1px solid #b8c1cf; border-radius: 6px; background: #fff; }
.field input[type=color] { padding: 0; width: 4rem; height: 2.2rem; }
.label { font-weight: 500; }
.choices { display: flex; flex-wrap: wrap; gap: 1rem; }
.check { display: inline-flex; align-items: center; gap: .35rem; }
.editable { min-height: 4.5rem; }
.actions { margin-top: 1rem; }
.error { color: var(--danger); background: #fdecea; border-radius: 6px; padding: .6rem 1rem; }
.notice { color: #05603a; background: #e7f6ee; border-radius: 6px; padding: .6rem 1rem; }
table.data { width: 100%; border-collapse: collapse; background: #fff; border-radius: 8px; overflow: hidden; box-shadow: 0 1px 3px rgba(0,0,0,.08); }
table.data th, table.data td { text-align: left; padding: .5rem .75rem; border-bottom: 1px solid #edf0f4; }
table.data thead th { background: #eef2f7; }
.num { text-align: right !important; font-variant-numeric: tabular-nums; }
.out { color: var(--danger); }
.in { color: #05603a; }
.accounts { display: grid; grid-template-columns: repeat(auto-fill, minmax(280px, 1fr)); gap: 1rem; margin-bottom: 1.5rem; }
.amount { font-size: 1.8rem; font-weight: 700; margin: .25rem 0; }
.iban { color: var(--muted); font-family: ui-monospace, monospace; margin: 0; }
.scroll-box { max-height: 9rem; overflow: auto; margin: 0; padding: .25rem .75rem; border: 1px solid #d8dde5; border-radius: 6px; background: #fafbfc; }
.scroll-box.tall { max-height: 14rem; }
.scroll-box li { padding: .3rem 0; border-bottom: 1px dashed #e3e8ef; list-style: none; }
.tabs { display: flex; gap: .25rem; border-bottom: 2px solid #d8dde5; margin-bottom: 1rem; }
.tabs a { padding: .5rem 1rem; text-decoration: none; border-radius: 6px 6px 0 0; }
.tabs a.active { background: var(--brand); color: #fff; }
.counter output { font-weight: 700; font-size: 1.4rem; }
.toc { background: #fff; border-radius: 8px; padding: .5rem 1.25rem; box-shadow: 0 1px 3px rgba(0,0,0,.08); }
.help-section { padding-top: 1rem; min-height: 24rem; }
.widget { border: 0; border-radius: 8px; background: #fff; box-shadow: 0 1px 3px rgba(0,0,0,.08); }
.widget-body { background: #fff; margin: 0; }
.swatch { display: inline-block; width: 1em; height: 1em; border-radius: 3px; vertical-align: middle; }
`;
}

export const LOGO_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64">
<rect width="64" height="64" rx="14" fill="#1f9d74"/>
<path d="M14 26 32 14l18 12z" fill="#fff"/>
<rect x="17" y="29" width="6" height="17" fill="#fff"/><rect x="29" y="29" width="6" height="17" fill="#fff"/><rect x="41" y="29" width="6" height="17" fill="#fff"/>
<rect x="13" y="48" width="38" height="5" rx="1" fill="#fff"/>
</svg>
`;

export const BG_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 160" width="400" height="160">
<path d="M0 120 C100 80 180 160 280 110 S400 90 400 90 V160 H0z" fill="#0b4f8a" opacity=".06"/>
<path d="M0 140 C120 100 200 170 300 130 S400 120 400 120 V160 H0z" fill="#1f9d74" opacity=".08"/>
</svg>
`;

export const STRIPES_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 16 16">
<path d="M-4 4l8-8M0 16L16 0M12 20l8-8" stroke="#ffffff" stroke-opacity=".05" stroke-width="3"/>
</svg>
`;

/**
 * The site's one script, served as a file (no inline code, so a strict CSP can apply). It does what
 * a real bank's pages do with JavaScript: a click counter, pushState tabs, a fetch, and carrying a
 * contenteditable's text into its form.
 */
export const APP_JS = `(function () {
  'use strict';

  function onReady(fn) {
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', fn);
    else fn();
  }

  function savings() {
    var add = document.getElementById('add-saving');
    if (!add) return;
    var count = document.getElementById('click-count');
    var total = document.getElementById('saving-total');
    var clicks = 0;
    function show() {
      count.textContent = String(clicks);
      total.textContent = '\\u20ac' + clicks * 10;
    }
    add.addEventListener('click', function () { clicks++; show(); });
    document.getElementById('reset-saving').addEventListener('click', function () { clicks = 0; show(); });
  }

  function tabs() {
    var list = document.getElementById('card-tabs');
    if (!list) return;
    function select(id) {
      var links = list.querySelectorAll('[data-tab]');
      for (var i = 0; i < links.length; i++) {
        var on = links[i].getAttribute('data-tab') === id;
        links[i].classList.toggle('active', on);
        links[i].setAttribute('aria-selected', String(on));
        document.getElementById('panel-' + links[i].getAttribute('data-tab')).hidden = !on;
      }
    }
    list.addEventListener('click', function (e) {
      var link = e.target.closest('[data-tab]');
      if (!link) return;
      e.preventDefault();
      var id = link.getAttribute('data-tab');
      select(id);
      history.pushState({ tab: id }, '', '/cards/' + id);
    });
    window.addEventListener('popstate', function () {
      var m = /\\/cards\\/(\\w+)/.exec(location.pathname);
      select(m ? m[1] : 'debit');
    });
  }

  function notes() {
    var editable = document.getElementById('notes');
    var hidden = document.getElementById('notesText');
    if (!editable || !hidden) return;
    function sync() { hidden.value = editable.innerText.trim(); }
    editable.addEventListener('input', sync);
    editable.closest('form').addEventListener('submit', sync);
  }

  function rates() {
    var button = document.getElementById('rates-refresh');
    if (!button) return;
    var status = document.getElementById('rates-status');
    button.addEventListener('click', function () {
      status.textContent = 'Refreshing\\u2026';
      fetch('/api/rates', { headers: { accept: 'application/json' } })
        .then(function (r) { return r.json(); })
        .then(function (data) { status.textContent = 'Up to date: ' + data.rates.length + ' currencies.'; })
        .catch(function () { status.textContent = 'Could not refresh the rates.'; });
    });
  }

  function loan() {
    var form = document.getElementById('loan-form');
    if (!form) return;
    var amount = document.getElementById('loan-amount');
    var years = document.getElementById('loan-years');
    var rate = Number(form.getAttribute('data-rate')) / 100 / 12;
    function show() {
      var n = Number(years.value) * 12;
      var monthly = (Number(amount.value) * rate) / (1 - Math.pow(1 + rate, -n));
      document.getElementById('loan-amount-shown').textContent = '\u20ac' + amount.value;
      document.getElementById('loan-monthly').textContent = '\u20ac' + monthly.toFixed(2);
    }
    amount.addEventListener('input', show);
    years.addEventListener('change', show);
    show();
  }

  onReady(function () {
    loan();
    savings();
    tabs();
    notes();
    rates();
  });
})();
`;
