/** The demo bank's made-up money: accounts, a long history of transactions, exchange rates. */

export interface Account {
  readonly id: string;
  readonly name: string;
  readonly iban: string;
}

export interface Transaction {
  readonly date: string;
  readonly description: string;
  readonly category: string;
  /** Cents; negative for money going out. */
  readonly amount: number;
}

export const ACCOUNTS: readonly Account[] = [
  { id: 'current', name: 'Current account', iban: 'DE89 3704 0044 0532 0130 00' },
  { id: 'savings', name: 'Savings account', iban: 'DE12 5001 0517 0648 4898 90' },
  { id: 'joint', name: 'Joint account', iban: 'DE44 5001 0517 5407 3249 31' },
];

export const OPENING_BALANCE = 482_317; // cents

const PAYEES: readonly [string, string, number][] = [
  ['Grocery Market', 'Groceries', -6_480],
  ['City Transit', 'Transport', -2_900],
  ['Salary ACME GmbH', 'Income', 315_000],
  ['Corner Bakery', 'Food', -780],
  ['Electricity Co.', 'Utilities', -8_400],
  ['Streaming Plus', 'Leisure', -1_299],
  ['Pharmacy Nord', 'Health', -1_845],
  ['Rent Hauptstr. 12', 'Housing', -112_000],
  ['Book Corner', 'Leisure', -2_390],
  ['Mobile Telecom', 'Utilities', -2_999],
  ['Refund Online Shop', 'Shopping', 4_599],
  ['Fuel Station', 'Transport', -6_120],
];

/** A fixed pseudo-random sequence, so every run (and every test) shows the same history. */
function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return s / 2_147_483_648;
  };
}

/** 60 transactions, newest first, ending on 2026-11-20: enough rows that the page scrolls. */
export function history(): Transaction[] {
  const rnd = seeded(7);
  const out: Transaction[] = [];
  const day = Date.UTC(2026, 10, 20);
  for (let i = 0; i < 60; i++) {
    const [description, category, base] = PAYEES[Math.floor(rnd() * PAYEES.length)];
    const jitter = category === 'Income' || category === 'Housing' ? 0 : Math.round((rnd() - 0.5) * Math.abs(base) * 0.4);
    out.push({
      date: new Date(day - Math.floor(i * 1.5) * 86_400_000).toISOString().slice(0, 10),
      description,
      category,
      amount: base + jitter,
    });
  }
  return out;
}

export interface Rate {
  readonly currency: string;
  readonly name: string;
  readonly buy: number;
  readonly sell: number;
}

export const RATES: readonly Rate[] = [
  { currency: 'USD', name: 'US dollar', buy: 1.0712, sell: 1.0948 },
  { currency: 'GBP', name: 'Pound sterling', buy: 0.8411, sell: 0.8623 },
  { currency: 'CHF', name: 'Swiss franc', buy: 0.9402, sell: 0.9655 },
  { currency: 'JPY', name: 'Japanese yen', buy: 161.2, sell: 166.9 },
  { currency: 'SEK', name: 'Swedish krona', buy: 11.402, sell: 11.784 },
  { currency: 'PLN', name: 'Polish złoty', buy: 4.301, sell: 4.452 },
  { currency: 'CZK', name: 'Czech koruna', buy: 24.87, sell: 25.61 },
  { currency: 'DKK', name: 'Danish krone', buy: 7.421, sell: 7.512 },
];

export function euros(cents: number): string {
  const sign = cents < 0 ? '−' : '';
  const abs = Math.abs(cents);
  const whole = Math.floor(abs / 100)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}€${whole}.${String(abs % 100).padStart(2, '0')}`;
}

/** `12.50` / `12,50` / `1,234.5` → cents; NaN when it is not a positive amount of money. */
export function parseAmount(raw: string): number {
  const s = raw.trim().replace(/\s/g, '');
  const m = /^(\d{1,9})(?:[.,](\d{1,2}))?$/.exec(s.replace(/,(?=\d{3}\b)/g, ''));
  if (!m) return NaN;
  const cents = Number(m[1]) * 100 + Number((m[2] ?? '0').padEnd(2, '0'));
  return cents > 0 ? cents : NaN;
}
