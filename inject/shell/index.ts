/**
 * The shell (control frame): the toolbar and the content frame. It holds the participant's one
 * hub connection, so navigations inside the content frame never drop it, and relays between
 * the hub and the hooks of every page in the frame (see frames.ts).
 */

import type { Command, ParticipantInfo, Role } from '../../protocol/messages.js';
import { OPS } from '../../protocol/commands.js';
import { HubConnection, type LinkState } from '../transport.js';
import { api, type SessionGrant } from './api.js';
import { Frames, withKept } from './frames.js';
import type { PageSetup } from '../hooks/bridge.js';

interface ShellConfig {
  role: Role;
  content: string;
  hub: string;
  control: 'always' | 'ask' | 'never';
  mask: string;
  session?: { id: string; code: string; token: string; name: string };
}

type Status = 'idle' | 'waiting' | 'connected' | 'ended';

const cfg = JSON.parse(document.getElementById('tandem-config')?.textContent ?? '{}') as ShellConfig;
const $ = <T extends HTMLElement>(id: string): T | null => document.querySelector<T>(`[data-tandem="${id}"]`);
const iframe = $<HTMLIFrameElement>('content')!;
const stage = iframe.parentElement as HTMLElement;
const isCustomer = cfg.role === 'customer';

let session: SessionGrant | null = null;
let hub: HubConnection | null = null;
let me = '';
let myColor = '#2563eb';
let synced = false;
/** A call the customer just placed: its first replay is followed by the full state send. */
let fresh = false;
let ended = false;
let participants: ParticipantInfo[] = [];
let mode = cfg.control;
let granted = false;
let drawing = false;
let viewport: { w: number; h: number } | null = null;

const allowed = (): boolean => isCustomer || mode === 'always' || (mode === 'ask' && granted);

const frames = new Frames(iframe, {
  live: () => !!hub && synced && !ended,
  me: () => me,
  allowed,
  setup: (): PageSetup | null => (me && !ended ? pageSetup() : null),
  send: (k, op, d, a) => hub?.send(k, op, d, a),
  topChanged: (url, kept) => {
    if (!isCustomer) return;
    try {
      history.replaceState(null, '', withKept(url, kept));
    } catch {
      /* a URL the shell cannot show */
    }
  },
  report: (message) => console.warn('[tandem]', message),
  topNavLogged: () => queueMicrotask(() => sendViewport(true)),
});

addEventListener('message', (e) => frames.onWindowMessage(e));

// ---- toolbar --------------------------------------------------------------------------------

function render(): void {
  const status: Status = ended
    ? 'ended'
    : !session
      ? 'idle'
      : isCustomer
        ? participants.some((p) => p.role === 'operator')
          ? 'connected'
          : 'waiting'
        : synced
          ? 'connected'
          : 'waiting';
  const s = $('status');
  if (s) s.textContent = status;
  document.body.dataset.status = status;
  const code = $('code');
  if (code) code.textContent = session && !ended ? session.code : '';
  const connect = $<HTMLButtonElement>('connect');
  if (connect) {
    connect.textContent = session && !ended ? 'End' : 'Call operator';
    connect.dataset.state = session && !ended ? 'end' : 'call';
  }
  const list = $('participants');
  if (list) {
    list.replaceChildren(
      ...participants.map((p) => {
        const el = document.createElement('span');
        el.className = 'tandem-person';
        el.dataset.tandemParticipant = p.id;
        el.dataset.role = p.role;
        el.style.setProperty('--c', /^#[0-9a-fA-F]{3,8}$/.test(p.color) ? p.color : '#64748b');
        el.textContent = p.id === me ? `${p.name} (you)` : p.name;
        return el;
      }),
    );
  }
  const grant = $<HTMLInputElement>('grant-control');
  if (grant) grant.checked = granted;
  document.body.dataset.control = allowed() ? 'allowed' : 'denied';
  const draw = $('tool-draw');
  if (draw) draw.setAttribute('aria-pressed', String(drawing));
}

function showLink(state: LinkState): void {
  document.body.dataset.link = state;
  const el = document.querySelector<HTMLElement>('.tandem-link');
  if (el) el.textContent = state === 'reconnecting' ? 'reconnecting…' : state === 'connecting' ? 'connecting…' : '';
}

// ---- viewport -------------------------------------------------------------------------------

/** An operator's content frame takes the customer's viewport and is scaled to fit. */
function fitViewport(): void {
  if (isCustomer || !viewport) return;
  const { w, h } = viewport;
  const scale = Math.min(1, stage.clientWidth / w, stage.clientHeight / h);
  iframe.style.width = `${w}px`;
  iframe.style.height = `${h}px`;
  iframe.style.transform = scale < 1 ? `scale(${scale})` : '';
  iframe.dataset.scale = String(scale);
}
addEventListener('resize', fitViewport);

let lastSize = '';
let sizeTimer = 0;
function sendViewport(force = false): void {
  if (!isCustomer || !hub || !synced || ended) return;
  const d = { w: Math.round(iframe.clientWidth), h: Math.round(iframe.clientHeight) };
  const key = `${d.w}x${d.h}`;
  if ((!force && key === lastSize) || d.w <= 0 || d.h <= 0) return;
  lastSize = key;
  hub.send('top/viewport', 'resize', d);
}
if (isCustomer) {
  new ResizeObserver(() => {
    if (sizeTimer) return;
    sizeTimer = setTimeout(() => {
      sizeTimer = 0;
      sendViewport();
    }, 1000 / OPS.resize.rateHz) as unknown as number;
  }).observe(iframe);
}

// ---- the session ----------------------------------------------------------------------------

function onCommand(cmd: Command, replay: boolean): void {
  // Our own commands come back when resuming after a drop (already applied), and the ordered
  // ones (nav, input) always: they tell where ours stand in the session's order.
  if (!replay && cmd.by === me) {
    frames.own(cmd);
    return;
  }
  if (cmd.op === 'resize') {
    viewport = cmd.d as { w: number; h: number };
    fitViewport();
    frames.record(cmd);
    return;
  }
  if (cmd.op === 'control') {
    granted = (cmd.d as { granted: boolean }).granted === true;
    frames.broadcast({ t: 'allowed', allowed: allowed() });
    render();
    return;
  }
  frames.remote(cmd);
}

function start(grant: SessionGrant, isFresh: boolean): void {
  session = grant;
  ended = false;
  synced = false;
  fresh = isFresh;
  participants = [];
  hub = new HubConnection(cfg.hub || '/__tandem/hub', grant.token, {
    onLink: showLink,
    onCommand,
    onMessage(m) {
      switch (m.type) {
        case 'welcome':
          me = m.participant;
          if (typeof m.color === 'string') myColor = m.color;
          if (hub?.replaying) {
            synced = false;
            frames.forget();
          }
          break;
        case 'reset':
          synced = false;
          frames.forget();
          break;
        case 'replayed':
          synced = true;
          frames.broadcast({ t: 'setup', ...pageSetup() });
          if (fresh) {
            fresh = false;
            // Its top nav re-sends the viewport.
            frames.sendFullState();
          } else {
            frames.resync();
            sendViewport(true);
          }
          break;
        case 'presence':
          participants = Array.isArray(m.participants) ? m.participants : [];
          frames.broadcast({ t: 'presence', participants });
          break;
        case 'control':
          mode = m.mode;
          granted = m.granted;
          frames.broadcast({ t: 'allowed', allowed: allowed() });
          break;
        case 'ended':
          finish();
          break;
        case 'error':
          console.warn('[tandem] hub:', m.code, m.message);
          break;
      }
      render();
    },
  });
  render();
}

function pageSetup(): PageSetup {
  return { me, role: cfg.role, color: myColor, allowed: allowed(), drawing, participants };
}

/** The session is over: for an operator the content frame is cleared and says so. */
function finish(): void {
  if (ended) return;
  ended = true;
  hub?.close();
  hub = null;
  participants = [];
  frames.broadcast({ t: 'presence', participants: [] });
  frames.forget();
  if (!isCustomer) {
    frames.pages.clear();
    iframe.removeAttribute('src');
    iframe.srcdoc =
      '<!doctype html><meta charset="utf-8"><body style="font:16px system-ui,sans-serif;display:grid;place-items:center;height:90vh;color:#334155"><p data-tandem-ended>The session has ended.</p></body>';
    iframe.style.transform = '';
  }
  render();
}

$('connect')?.addEventListener('click', () => {
  void (async () => {
    const btn = $<HTMLButtonElement>('connect')!;
    btn.disabled = true;
    try {
      if (session && !ended) {
        const s = session;
        finish();
        await api.end(s.id, s.token);
      } else {
        // The gateway seeds the session's cookie jar from this request's origin cookies.
        const grant = await api.create();
        start(grant, true);
      }
    } catch (err) {
      console.warn('[tandem]', (err as Error).message);
    } finally {
      btn.disabled = false;
      render();
    }
  })();
});

$('leave')?.addEventListener('click', () => {
  if (!session || ended) return;
  const s = session;
  finish();
  api.leave(s.id, s.token).catch((err: Error) => console.warn('[tandem]', err.message));
});

$('invite')?.addEventListener('click', () => {
  if (!session || ended) return;
  const btn = $<HTMLButtonElement>('invite')!;
  api.invite(session.id, session.token).then(
    () => {
      btn.textContent = 'Invited';
      setTimeout(() => (btn.textContent = 'Invite'), 3000);
    },
    (err: Error) => console.warn('[tandem]', err.message),
  );
});

$<HTMLInputElement>('grant-control')?.addEventListener('change', (e) => {
  granted = (e.target as HTMLInputElement).checked;
  if (hub && synced) hub.send('session/control', 'control', { granted }, 'all');
  render();
});

$('tool-draw')?.addEventListener('click', () => {
  drawing = !drawing;
  frames.broadcast({ t: 'drawing', on: drawing });
  render();
});

$('tool-clear')?.addEventListener('click', () => frames.clearInk());

// ---- start ----------------------------------------------------------------------------------

render();
if (cfg.session) {
  start({ id: cfg.session.id, code: cfg.session.code, token: cfg.session.token, name: cfg.session.name }, false);
} else if (isCustomer) {
  void api.current().then((s) => {
    if (s && s.token && s.status !== 'ended' && (s.role ?? 'customer') === 'customer' && !session) start(s, false);
  });
}
