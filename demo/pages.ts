/** The bodies of the demo bank's pages (the shared frame is in layout.ts). */

import { ACCOUNTS, OPENING_BALANCE, RATES, euros, history, type Transaction } from './data.js';
import { esc } from './layout.js';
import type { BankSession, SentTransfer } from './state.js';

export function home(user: string | null, base: string): string {
  const cta = user
    ? `<p><a class="button" href="/account" id="go-accounts">Go to your accounts</a> <a class="button secondary" href="/transfer">Make a transfer</a></p>`
    : `<p><a class="button" href="/login" id="home-login">Log in to online banking</a></p>`;
  return `<section class="hero">
  <h1>Banking, together.</h1>
  <p class="lead">Welcome to Demo Bank${user ? `, ${esc(user)}` : ''}. This little bank exists so you can try <strong>Tandem</strong>:
  press <em>Call operator</em> in the toolbar above, then answer the call from the operator console in another browser window.</p>
  ${cta}
</section>
<section class="tiles">
  <a class="tile" href="/account"><h2>Accounts</h2><p>Balances and a long list of transactions to scroll through together.</p></a>
  <a class="tile" href="/transfer"><h2>Transfer</h2><p>A form that is sent to the bank exactly once, whoever presses Send.</p></a>
  <a class="tile" href="/profile"><h2>Profile</h2><p>Every kind of form field, masked ones included.</p></a>
  <a class="tile" href="${esc(base)}/rates"><h2>Rates</h2><p>Today's exchange rates.</p></a>
  <a class="tile" href="/cards"><h2>Cards</h2><p>Tabs that change the address without reloading.</p></a>
  <a class="tile" href="/savings"><h2>Savings</h2><p>A button that counts your clicks.</p></a>
</section>`;
}

export function login(next: string, error: string | null): string {
  return `<section class="narrow">
<h1>Log in</h1>
<p class="lead">Any user name and password will do. Try <strong>demo</strong> / <strong>demo</strong>.</p>
${error ? `<p class="error" role="alert" id="login-error">${esc(error)}</p>` : ''}
<form id="login-form" method="post" action="/login" class="card form">
  <input type="hidden" name="next" value="${esc(next)}">
  <div class="field"><label for="username">User name</label><input type="text" id="username" name="username" autocomplete="username" required autofocus></div>
  <div class="field"><label for="password">Password</label><input type="password" id="password" name="password" autocomplete="current-password" required></div>
  <div class="actions"><button type="submit" id="login-submit" class="button">Log in</button></div>
</form>
</section>`;
}

/** The session's own transfers come first, then the made-up history. */
function transactions(session: BankSession): Transaction[] {
  const mine = [...session.transfers]
    .reverse()
    .map((t) => ({ date: t.date, description: `Transfer to ${t.to} (${t.number})`, category: 'Transfer', amount: -t.cents }));
  return [...mine, ...history()];
}

export function account(session: BankSession): string {
  const rows = transactions(session);
  const total = rows.reduce((sum, t) => sum + t.amount, OPENING_BALANCE);
  const body = rows
    .map(
      (t) =>
        `<tr><td>${esc(t.date)}</td><td>${esc(t.description)}</td><td>${esc(t.category)}</td><td class="num ${t.amount < 0 ? 'out' : 'in'}">${euros(t.amount)}</td></tr>`,
    )
    .join('\n');
  const messages = Array.from(
    { length: 25 },
    (_, i) =>
      `<li><strong>${i === 0 ? 'New' : `Message ${25 - i}`}</strong> — ${esc(['Your statement is ready.', 'Card payment approved.', 'Standing order executed.', 'New device signed in.', 'Interest credited.'][i % 5])}</li>`,
  ).join('');
  return `<h1>Your accounts</h1>
<section class="accounts">
  <div class="card balance"><h2>${esc(ACCOUNTS[0].name)}</h2><p class="iban">${esc(ACCOUNTS[0].iban)}</p><p class="amount" id="balance">${euros(total)}</p></div>
  <div class="card balance"><h2>${esc(ACCOUNTS[1].name)}</h2><p class="iban">${esc(ACCOUNTS[1].iban)}</p><p class="amount">${euros(1_250_000)}</p></div>
  <div class="card inbox-card"><h2>Messages</h2><ul id="inbox" class="scroll-box" tabindex="0" aria-label="Messages">${messages}</ul></div>
</section>
<h2 id="transactions-title">Transactions</h2>
<table class="data" id="transactions" aria-labelledby="transactions-title">
<thead><tr><th>Date</th><th>Description</th><th>Category</th><th class="num">Amount</th></tr></thead>
<tbody>
${body}
</tbody>
</table>
<p><a href="#main">Back to top</a></p>`;
}

export interface TransferInput {
  readonly from: string;
  readonly to: string;
  readonly iban: string;
  readonly amount: string;
  readonly reference: string;
  readonly date: string;
}

export const EMPTY_TRANSFER: TransferInput = { from: 'current', to: '', iban: '', amount: '', reference: '', date: '' };

export function transferForm(base: string, input: TransferInput, errors: readonly string[]): string {
  const options = ACCOUNTS.map(
    (a) => `<option value="${a.id}"${a.id === input.from ? ' selected' : ''}>${esc(a.name)} — ${esc(a.iban)}</option>`,
  ).join('');
  const problems = errors.length
    ? `<ul class="error" role="alert" id="transfer-errors">${errors.map((e) => `<li>${esc(e)}</li>`).join('')}</ul>`
    : '';
  return `<h1>New transfer</h1>
${problems}
<form id="transfer-form" method="post" action="${esc(base)}/transfer" class="card form">
  <div class="field"><label for="from">From</label><select id="from" name="from">${options}</select></div>
  <div class="field"><label for="to">Recipient</label><input type="text" id="to" name="to" value="${esc(input.to)}" autocomplete="off" required></div>
  <div class="field"><label for="iban">IBAN</label><input type="text" id="iban" name="iban" value="${esc(input.iban)}" autocomplete="off" spellcheck="false" required></div>
  <div class="field"><label for="amount">Amount (€)</label><input type="text" id="amount" name="amount" value="${esc(input.amount)}" inputmode="decimal" required></div>
  <div class="field"><label for="reference">Reference</label><input type="text" id="reference" name="reference" value="${esc(input.reference)}" maxlength="140"></div>
  <div class="field"><label for="date">Execution date</label><input type="date" id="date" name="date" value="${esc(input.date)}"></div>
  <div class="actions"><button type="submit" id="transfer-submit" class="button">Send transfer</button> <a href="/account" class="button secondary">Cancel</a></div>
</form>`;
}

export function transferDone(t: SentTransfer): string {
  const from = ACCOUNTS.find((a) => a.id === t.from);
  return `<h1>Transfer sent</h1>
<p class="notice">Your transfer number is <strong id="transfer-number">${esc(t.number)}</strong>.</p>
<table class="data summary" id="transfer-summary"><tbody>
<tr><th scope="row">From</th><td id="sent-from">${esc(from ? from.name : t.from)}</td></tr>
<tr><th scope="row">Recipient</th><td id="sent-to">${esc(t.to)}</td></tr>
<tr><th scope="row">IBAN</th><td id="sent-iban">${esc(t.iban)}</td></tr>
<tr><th scope="row">Amount</th><td id="sent-amount">${euros(t.cents)}</td></tr>
<tr><th scope="row">Reference</th><td id="sent-reference">${esc(t.reference)}</td></tr>
<tr><th scope="row">Execution date</th><td id="sent-date">${esc(t.date)}</td></tr>
</tbody></table>
<p><a href="/account" class="button">Back to accounts</a> <a href="/transfer" class="button secondary">Another transfer</a></p>`;
}

export function rates(): string {
  const rows = RATES.map(
    (r) =>
      `<tr><td><abbr title="${esc(r.name)}">${r.currency}</abbr></td><td>${esc(r.name)}</td><td class="num">${r.buy.toFixed(4)}</td><td class="num">${r.sell.toFixed(4)}</td></tr>`,
  ).join('\n');
  return `<h1>Exchange rates</h1>
<p class="lead">Euro reference rates for cash and transfers. Updated <time id="rates-updated" datetime="2026-11-20T09:00:00Z">20 November 2026, 09:00</time>.</p>
<table class="data" id="rates">
<thead><tr><th>Code</th><th>Currency</th><th class="num">We buy</th><th class="num">We sell</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<p><button type="button" id="rates-refresh" class="button secondary">Refresh</button> <span id="rates-status" aria-live="polite"></span></p>`;
}

export const CARD_TABS: readonly [string, string, string][] = [
  ['debit', 'Debit card', 'Pay from your current account everywhere, free of charge in the euro area. Contactless up to €50.'],
  ['credit', 'Credit card', 'A monthly limit of up to €5,000, travel insurance included, and no foreign-currency fee.'],
  ['virtual', 'Virtual card', 'A card number that lives only on your phone, for shopping online. Freeze it any time.'],
];

/** Server-rendered for any tab, so a reload or a shared link shows the tab that pushState chose. */
export function cards(active: string): string {
  const tabs = CARD_TABS.map(
    ([id, label]) =>
      `<a role="tab" id="tab-${id}" href="/cards/${id}" data-tab="${id}" aria-selected="${id === active}" aria-controls="panel-${id}"${id === active ? ' class="active"' : ''}>${label}</a>`,
  ).join('');
  const panels = CARD_TABS.map(
    ([id, label, text]) =>
      `<section role="tabpanel" id="panel-${id}" aria-labelledby="tab-${id}"${id === active ? '' : ' hidden'}><h2>${label}</h2><p>${esc(text)}</p></section>`,
  ).join('\n');
  return `<h1>Cards</h1>
<div class="tabs" role="tablist" id="card-tabs">${tabs}</div>
${panels}`;
}

export function savings(): string {
  return `<h1>Savings goal</h1>
<p class="lead">Put money aside for something you want. Each click adds €10 to this month's goal.</p>
<div class="card counter">
  <p>Clicks: <output id="click-count" for="add-saving">0</output></p>
  <p>Goal: <output id="saving-total">€0</output></p>
  <button type="button" id="add-saving" class="button">Add €10</button>
  <button type="button" id="reset-saving" class="button secondary">Reset</button>
</div>
<h2>Why save with us</h2>
<div class="scroll-box tall" id="savings-faq" tabindex="0">
${Array.from({ length: 12 }, (_, i) => `<p><strong>Reason ${i + 1}.</strong> Interest is paid monthly and you can withdraw at any time without a fee. Your savings are protected up to €100,000.</p>`).join('\n')}
</div>`;
}

export const LOAN_RATE = 4.9;

export function loans(): string {
  return `<h1>Loans</h1>
<p class="lead">A personal loan at ${LOAN_RATE} % a year, fixed for its whole term. Try the calculator: it is a separate page embedded in this one.</p>
<iframe id="loan-calculator" class="widget" src="/widgets/loan-calculator" title="Loan calculator" width="100%" height="300"></iframe>
<h2>Our loans</h2>
<table class="data" id="loan-products">
<thead><tr><th>Loan</th><th class="num">From</th><th class="num">Up to</th><th class="num">Term</th></tr></thead>
<tbody>
<tr><td>Personal loan</td><td class="num">€1,000</td><td class="num">€50,000</td><td class="num">1–10 years</td></tr>
<tr><td>Car loan</td><td class="num">€5,000</td><td class="num">€80,000</td><td class="num">1–8 years</td></tr>
<tr><td>Home improvement</td><td class="num">€10,000</td><td class="num">€120,000</td><td class="num">5–20 years</td></tr>
</tbody>
</table>`;
}

/** The calculator framed by /loans: a whole document of its own, so co-browsing meets a child frame. */
export function loanWidget(): string {
  const years = Array.from(
    { length: 10 },
    (_, i) => `<option value="${i + 1}"${i === 4 ? ' selected' : ''}>${i + 1} year${i ? 's' : ''}</option>`,
  ).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Loan calculator · Demo Bank</title>
<link rel="stylesheet" href="/static/site.css">
<script src="/static/app.js" defer></script>
</head>
<body class="widget-body">
<form id="loan-form" class="card form" data-rate="${LOAN_RATE}">
  <div class="field"><label for="loan-amount">Amount: <output id="loan-amount-shown" for="loan-amount">€10000</output></label><input type="range" id="loan-amount" name="amount" min="1000" max="50000" step="500" value="10000"></div>
  <div class="field"><label for="loan-years">Term</label><select id="loan-years" name="years">${years}</select></div>
  <p>Monthly payment: <strong><output id="loan-monthly" for="loan-amount loan-years">€188.25</output></strong></p>
</form>
</body>
</html>
`;
}

export function notFound(path: string): string {
  return `<h1>Page not found</h1><p>There is no page at <code>${esc(path)}</code>. <a href="/">Go home</a>.</p>`;
}
