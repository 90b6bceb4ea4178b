/** The help centre: one long page with an in-page table of contents, for scrolling and #hash links. */

import { esc } from './layout.js';

const SECTIONS: readonly [string, string, string][] = [
  [
    'tandem',
    'About this demo',
    'Demo Bank is the built-in origin of Tandem. Everything you see here comes from a small Node server; Tandem sits in front of it, rewrites its links and lets a customer and an operator browse it together.',
  ],
  [
    'getting-started',
    'Getting started',
    'Log in with any name and password. Your session lasts until you log out or the demo restarts; nothing is written to disk.',
  ],
  [
    'accounts',
    'Your accounts',
    'The accounts page lists your balances and every transaction of the last three months, newest first. Transfers you make appear at the top.',
  ],
  [
    'transfers',
    'Making transfers',
    'A transfer needs a recipient, an IBAN and an amount. Each transfer gets a number that you can quote when you call us.',
  ],
  [
    'standing-orders',
    'Standing orders',
    'Standing orders run on the date you choose each month. You can change or cancel one up to the day before it runs.',
  ],
  ['cards', 'Cards', 'Freeze a lost card from the Cards page at once; a new one arrives within five working days.'],
  [
    'security',
    'Security',
    'We will never ask for your password, your card number or your CVC on the phone. During a co-browsing session these fields stay hidden from our staff.',
  ],
  [
    'co-browsing',
    'Co-browsing with an adviser',
    'Press Call operator and read the six-digit code to the adviser. You both see the same page; press End at any time to stop sharing.',
  ],
  ['fees', 'Fees', 'The current account is free with a monthly income of €1,000 or more; otherwise it costs €4.90 a month.'],
  ['interest', 'Interest', 'Savings earn 2.1 % a year, paid monthly. Overdrafts cost 9.9 % a year.'],
  ['privacy', 'Privacy', 'We keep your data only as long as the law requires. This demo keeps it only in memory.'],
  ['terms', 'Terms and conditions', 'These terms govern your use of online banking. By logging in you accept them. They are made up.'],
  ['complaints', 'Complaints', 'Tell us what went wrong and we will answer within fifteen working days.'],
  ['contact', 'Contact', 'Call us on 0800 000 0000, Monday to Friday, 8:00 to 20:00.'],
];

const FILLER = [
  'Please read this section carefully before you continue; it explains what you can expect from us and what we expect from you.',
  'Where a deadline falls on a weekend or a public holiday, it moves to the next working day.',
  'You can download this text as a PDF from your mailbox at any time, and we will send it to you by post on request.',
];

export function help(): string {
  const toc = SECTIONS.map(([id, title]) => `<li><a href="#${id}">${esc(title)}</a></li>`).join('');
  const sections = SECTIONS.map(
    ([id, title, text], i) => `<section id="${id}" class="help-section">
<h2>${i + 1}. ${esc(title)}</h2>
<p>${esc(text)}</p>
${FILLER.map((f) => `<p>${esc(f)}</p>`).join('\n')}
<p class="to-top"><a href="#contents">Back to contents</a></p>
</section>`,
  ).join('\n');
  return `<h1>Help centre</h1>
<nav id="contents" class="toc" aria-label="Contents"><h2>Contents</h2><ol>${toc}</ol></nav>
${sections}`;
}
