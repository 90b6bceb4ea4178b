/**
 * The profile form: one field of every kind a browser has, so co-browsing can be tried on each,
 * masked fields included. Like a real bank, the saved page never shows a password, a full card
 * number, a CVC or a masked answer back.
 */

import { esc } from './layout.js';
import type { FormData } from './http-util.js';

export interface Profile {
  fullName: string;
  email: string;
  phone: string;
  website: string;
  dependants: string;
  passwordChanged: boolean;
  branchSearch: string;
  birthDate: string;
  callbackTime: string;
  appointment: string;
  statementMonth: string;
  holidayWeek: string;
  themeColor: string;
  fontSize: string;
  alerts: string[];
  paperless: boolean;
  language: string;
  country: string;
  interests: string[];
  address: string;
  notes: string;
  avatar: { filename: string; size: number } | null;
  /** Only the last four digits are kept, as a bank would. */
  cardLast4: string;
  cardExpirySet: boolean;
  securityAnswerSet: boolean;
}

export const DEFAULT_PROFILE: Profile = {
  fullName: 'Alex Example',
  email: 'alex@example.com',
  phone: '+49 30 1234567',
  website: 'https://alex.example.com',
  dependants: '2',
  passwordChanged: false,
  branchSearch: '',
  birthDate: '1990-04-12',
  callbackTime: '09:30',
  appointment: '2026-12-01T10:00',
  statementMonth: '2026-10',
  holidayWeek: '2026-W52',
  themeColor: '#1f6feb',
  fontSize: '16',
  alerts: ['email'],
  paperless: true,
  language: 'en',
  country: 'DE',
  interests: ['savings'],
  address: 'Hauptstraße 12\n10115 Berlin',
  notes: 'Prefers calls in the morning.',
  avatar: null,
  cardLast4: '',
  cardExpirySet: false,
  securityAnswerSet: false,
};

const ALERTS: readonly [string, string][] = [
  ['email', 'Email'],
  ['sms', 'SMS'],
  ['push', 'App notification'],
  ['post', 'Letter'],
];
const LANGUAGES: readonly [string, string][] = [
  ['en', 'English'],
  ['de', 'Deutsch'],
  ['fr', 'Français'],
  ['es', 'Español'],
];
const COUNTRIES: readonly [string, string][] = [
  ['DE', 'Germany'],
  ['AT', 'Austria'],
  ['CH', 'Switzerland'],
  ['FR', 'France'],
  ['NL', 'Netherlands'],
  ['GB', 'United Kingdom'],
];
const INTERESTS: readonly [string, string][] = [
  ['savings', 'Savings plans'],
  ['mortgage', 'Mortgages'],
  ['investing', 'Investing'],
  ['insurance', 'Insurance'],
  ['pension', 'Pensions'],
];

const MAX = 2000;
const clip = (s: string) => s.slice(0, MAX);
const oneOf = (value: string, choices: readonly [string, string][], fallback: string) =>
  choices.some(([v]) => v === value) ? value : fallback;

export function parseProfile(form: FormData): Profile {
  const digits = form.get('cardNumber').replace(/\D/g, '');
  const file = form.files.get('avatar');
  return {
    fullName: clip(form.get('fullName')),
    email: clip(form.get('email')),
    phone: clip(form.get('phone')),
    website: clip(form.get('website')),
    dependants: clip(form.get('dependants')),
    passwordChanged: form.get('newPassword') !== '',
    branchSearch: clip(form.get('branchSearch')),
    birthDate: clip(form.get('birthDate')),
    callbackTime: clip(form.get('callbackTime')),
    appointment: clip(form.get('appointment')),
    statementMonth: clip(form.get('statementMonth')),
    holidayWeek: clip(form.get('holidayWeek')),
    themeColor: /^#[0-9a-f]{6}$/i.test(form.get('themeColor')) ? form.get('themeColor') : DEFAULT_PROFILE.themeColor,
    fontSize: clip(form.get('fontSize')),
    alerts: form.all('alerts').filter((a) => ALERTS.some(([v]) => v === a)),
    paperless: form.get('paperless') === 'on',
    language: oneOf(form.get('language'), LANGUAGES, ''),
    country: oneOf(form.get('country'), COUNTRIES, ''),
    interests: form.all('interests').filter((a) => INTERESTS.some(([v]) => v === a)),
    address: clip(form.get('address')),
    notes: clip(form.get('notesText')),
    avatar: file ? { filename: clip(file.filename), size: file.size } : null,
    cardLast4: digits.length >= 12 ? digits.slice(-4) : '',
    cardExpirySet: form.get('cardExpiry').trim() !== '',
    securityAnswerSet: form.get('securityAnswer').trim() !== '',
  };
}

function input(type: string, name: string, label: string, value: string, extra = ''): string {
  return `<div class="field"><label for="${name}">${label}</label><input type="${type}" id="${name}" name="${name}" value="${esc(value)}"${extra}></div>`;
}

export function profileForm(p: Profile, base: string): string {
  const checks = ALERTS.map(
    ([v, l]) =>
      `<label class="check"><input type="checkbox" name="alerts" id="alerts-${v}" value="${v}"${p.alerts.includes(v) ? ' checked' : ''}> ${l}</label>`,
  ).join('');
  const radios = LANGUAGES.map(
    ([v, l]) =>
      `<label class="check"><input type="radio" name="language" id="language-${v}" value="${v}"${p.language === v ? ' checked' : ''}> ${l}</label>`,
  ).join('');
  const countries = COUNTRIES.map(([v, l]) => `<option value="${v}"${p.country === v ? ' selected' : ''}>${l}</option>`).join('');
  const interests = INTERESTS.map(([v, l]) => `<option value="${v}"${p.interests.includes(v) ? ' selected' : ''}>${l}</option>`).join('');
  return `<h1>Your profile</h1>
<p class="lead">Everything here is made up. Fields that hold secrets (password, card, CVC, the security answer) never leave your browser during a Tandem session.</p>
<form id="profile-form" method="post" action="${esc(base)}/profile" enctype="multipart/form-data" class="card form">
<fieldset><legend>Contact</legend>
${input('text', 'fullName', 'Full name', p.fullName, ' autocomplete="name" required')}
${input('email', 'email', 'Email', p.email, ' autocomplete="email"')}
${input('tel', 'phone', 'Phone', p.phone, ' autocomplete="tel"')}
${input('url', 'website', 'Website', p.website, ' autocomplete="url"')}
${input('number', 'dependants', 'Dependants', p.dependants, ' min="0" max="20" step="1"')}
<div class="field"><label for="address">Postal address</label><textarea id="address" name="address" rows="3" autocomplete="street-address">${esc(p.address)}</textarea></div>
</fieldset>
<fieldset><legend>Security</legend>
${input('password', 'newPassword', 'New password', '', ' autocomplete="new-password" placeholder="leave empty to keep the current one"')}
${input('text', 'securityAnswer', 'Security answer (your first pet)', '', ' data-tandem-mask autocomplete="off"')}
</fieldset>
<fieldset><legend>Appointments</legend>
${input('search', 'branchSearch', 'Find a branch', p.branchSearch, ' placeholder="city or postcode"')}
${input('date', 'birthDate', 'Date of birth', p.birthDate, ' autocomplete="bday"')}
${input('time', 'callbackTime', 'Preferred callback time', p.callbackTime)}
${input('datetime-local', 'appointment', 'Branch appointment', p.appointment)}
${input('month', 'statementMonth', 'Statement month', p.statementMonth)}
${input('week', 'holidayWeek', 'Holiday week (no calls)', p.holidayWeek)}
</fieldset>
<fieldset><legend>Preferences</legend>
${input('color', 'themeColor', 'Accent colour', p.themeColor)}
${input('range', 'fontSize', 'Text size', p.fontSize, ' min="12" max="24" step="1"')}
<div class="field"><span class="label">Alerts by</span><div class="choices" id="alerts">${checks}</div></div>
<div class="field"><label class="check"><input type="checkbox" id="paperless" name="paperless"${p.paperless ? ' checked' : ''}> Paperless statements</label></div>
<div class="field"><span class="label">Language</span><div class="choices" role="radiogroup" id="language">${radios}</div></div>
<div class="field"><label for="country">Country of residence</label><select id="country" name="country" autocomplete="country">${countries}</select></div>
<div class="field"><label for="interests">Interested in</label><select id="interests" name="interests" multiple size="5">${interests}</select></div>
<div class="field"><label for="notes" id="notes-label">Notes for your adviser</label><div id="notes" class="editable" contenteditable="true" role="textbox" aria-multiline="true" aria-labelledby="notes-label">${esc(p.notes)}</div><input type="hidden" id="notesText" name="notesText" value="${esc(p.notes)}"></div>
<div class="field"><label for="avatar">Profile picture</label><input type="file" id="avatar" name="avatar" accept="image/*"></div>
</fieldset>
<fieldset><legend>Payment card</legend>
${input('text', 'cardNumber', 'Card number', '', ' autocomplete="cc-number" inputmode="numeric" placeholder="1234 5678 9012 3456"')}
${input('text', 'cardExpiry', 'Expiry (MM/YY)', '', ' autocomplete="cc-exp" placeholder="MM/YY"')}
${input('text', 'cardCvc', 'CVC', '', ' autocomplete="cc-csc" inputmode="numeric" maxlength="4"')}
</fieldset>
<div class="actions"><button type="submit" id="profile-submit" class="button">Save profile</button></div>
</form>`;
}

function row(label: string, value: string, id: string): string {
  return `<tr><th scope="row">${label}</th><td id="saved-${id}">${value}</td></tr>`;
}

export function profileSaved(p: Profile): string {
  const dots = '••••••••';
  const rows = [
    row('Full name', esc(p.fullName), 'fullName'),
    row('Email', esc(p.email), 'email'),
    row('Phone', esc(p.phone), 'phone'),
    row('Website', esc(p.website), 'website'),
    row('Dependants', esc(p.dependants), 'dependants'),
    row('Password', p.passwordChanged ? `${dots} (changed)` : 'unchanged', 'password'),
    row('Security answer', p.securityAnswerSet ? `${dots} (set)` : 'not set', 'securityAnswer'),
    row('Branch search', esc(p.branchSearch), 'branchSearch'),
    row('Date of birth', esc(p.birthDate), 'birthDate'),
    row('Callback time', esc(p.callbackTime), 'callbackTime'),
    row('Appointment', esc(p.appointment), 'appointment'),
    row('Statement month', esc(p.statementMonth), 'statementMonth'),
    row('Holiday week', esc(p.holidayWeek), 'holidayWeek'),
    row('Accent colour', `<span class="swatch" style="background:${esc(p.themeColor)}"></span> ${esc(p.themeColor)}`, 'themeColor'),
    row('Text size', esc(p.fontSize), 'fontSize'),
    row('Alerts by', esc(p.alerts.join(', ') || 'none'), 'alerts'),
    row('Paperless', p.paperless ? 'yes' : 'no', 'paperless'),
    row('Language', esc(p.language), 'language'),
    row('Country', esc(p.country), 'country'),
    row('Interests', esc(p.interests.join(', ') || 'none'), 'interests'),
    row('Address', esc(p.address).replace(/\n/g, '<br>'), 'address'),
    row('Notes', esc(p.notes), 'notes'),
    row('Picture', p.avatar ? `${esc(p.avatar.filename)} (${p.avatar.size} bytes)` : 'none', 'avatar'),
    row('Card', p.cardLast4 ? `•••• •••• •••• ${esc(p.cardLast4)}` : 'none', 'card'),
    row('Card expiry', p.cardExpirySet ? '••/••' : 'not set', 'cardExpiry'),
  ].join('\n');
  return `<h1>Profile saved</h1>
<p class="notice" id="profile-saved">Your changes were saved.</p>
<table class="data summary"><tbody>
${rows}
</tbody></table>
<p><a href="/profile" class="button">Edit again</a> <a href="/account" class="button secondary">Back to accounts</a></p>`;
}
