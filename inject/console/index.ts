/**
 * The operator console (/__tandem/console): login, the live queue of calls with Respond, join
 * by code, the operator's sessions, past sessions and their replay. No framework; the server
 * says in a JSON block whether the browser is logged in and where a login should lead.
 */

import { $, duration, el, request, sessionUrl } from './http.js';
import { Queue } from './queue.js';
import { Ring } from './ring.js';
import { Player } from './player.js';

interface ConsoleConfig {
  operator: string | null;
  next: string | null;
}

interface PastSession {
  id: string;
  code: string;
  people: string[];
  createdAt: number;
  startedAt: number | null;
  endedAt: number | null;
  durationMs: number | null;
}

const cfg = JSON.parse(document.getElementById('tandem-console-config')?.textContent ?? '{}') as ConsoleConfig;
const body = document.body;
const queue = new Queue(
  new Ring(body),
  () => void loadPast(),
  () => showLogin('Your login has expired.'),
);
let player: Player | null = null;

function showLogin(message = ''): void {
  queue.stop();
  body.dataset.view = 'login';
  $('operator-name').textContent = '';
  $('login-error').textContent = message;
  $<HTMLInputElement>('login-name').focus();
}

function showMain(name: string): void {
  body.dataset.view = 'main';
  $('operator-name').textContent = name;
  player ??= new Player();
  queue.start(name);
  queue.render();
  void loadPast();
}

async function loadPast(): Promise<void> {
  const r = await request<{ sessions: PastSession[] }>('GET', '/__tandem/api/sessions?past=1');
  if (!r.ok) return;
  const rows = r.body.sessions.map((s) => {
    const replay = el('button', { type: 'button', 'data-tandem': 'replay', 'data-session': s.id }, 'Replay');
    const title = `${s.people.join(', ')} – ${new Date(s.endedAt ?? s.createdAt).toLocaleString()}`;
    replay.addEventListener('click', () => void player?.open(s.id, title));
    return el(
      'tr',
      { 'data-session': s.id },
      el('td', {}, s.people.join(', ')),
      el('td', {}, new Date(s.startedAt ?? s.createdAt).toLocaleString()),
      el('td', {}, duration(s.durationMs)),
      el('td', {}, replay),
    );
  });
  $('past-sessions')
    .querySelector('tbody')!
    .replaceChildren(...rows);
}

$<HTMLFormElement>('login-form').addEventListener('submit', (e) => {
  e.preventDefault();
  void (async () => {
    const name = $<HTMLInputElement>('login-name').value.trim();
    const password = $<HTMLInputElement>('login-password').value;
    const submit = $<HTMLButtonElement>('login-submit');
    submit.disabled = true;
    const r = await request<{ name: string }>('POST', '/__tandem/api/login', { name, password });
    submit.disabled = false;
    if (!r.ok) {
      $('login-error').textContent = r.status === 401 ? 'Wrong name or password.' : (r.body.message ?? `Login failed (${r.status}).`);
      return;
    }
    $<HTMLInputElement>('login-password').value = '';
    if (cfg.next) return location.assign(cfg.next);
    showMain(r.body.name);
  })();
});

$('logout').addEventListener('click', () => {
  void request('POST', '/__tandem/api/logout').then(() => showLogin());
});

$<HTMLFormElement>('join-form').addEventListener('submit', (e) => {
  e.preventDefault();
  void (async () => {
    const code = $<HTMLInputElement>('join-code').value.replace(/\s+/g, '');
    const error = $('join-error');
    error.textContent = '';
    if (!/^\d{6}$/.test(code)) {
      error.textContent = 'A code has 6 digits.';
      return;
    }
    const r = await request<{ id: string }>('POST', '/__tandem/api/join', { code });
    if (r.ok) return location.assign(sessionUrl(r.body.id));
    if (r.status === 401) return showLogin('Your login has expired.');
    error.textContent = r.status === 404 ? 'No live session has that code.' : (r.body.message ?? `Join failed (${r.status}).`);
  })();
});

$('past-refresh').addEventListener('click', () => void loadPast());

if (cfg.operator) showMain(cfg.operator);
else showLogin();
