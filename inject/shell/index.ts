/**
 * The shell (control frame): the toolbar and the stage. It holds the participant's one hub
 * connection, so navigations inside the content frame never drop it.
 *   - The customer's stage is the content frame, where the page runs; customer-page.ts relays
 *     its recording to the hub and operators' actions into it.
 *   - An operator's stage is the mirror (mirror.ts): the customer's document rebuilt without
 *     page script; what the operator does there goes to the customer's page as actions.
 */

import type { Command, ParticipantInfo, Role } from '../../protocol/messages.js';
import { OPS } from '../../protocol/commands.js';
import { isGatewayPath, type Chunk } from '../../protocol/mirror.js';
import { HubConnection, type LinkState } from '../transport.js';
import { api, type SessionGrant } from './api.js';
import type { PageSetup } from '../hooks/bridge.js';
import { CustomerPage } from './customer-page.js';
import { Mirror } from './mirror.js';
import { resourceUrls } from './resource-urls.js';

interface ShellConfig {
  role: Role;
  content: string;
  hub: string;
  control: 'always' | 'ask' | 'never';
  mask: string;
  session?: { id: string; code: string; token: string; name: string };
  resources?: { origin: string; token: string };
}

type Status = 'idle' | 'waiting' | 'connected' | 'ended';

const cfg = JSON.parse(document.getElementById('tandem-config')?.textContent ?? '{}') as ShellConfig;
const $ = <T extends HTMLElement>(id: string): T | null => document.querySelector<T>(`[data-tandem="${id}"]`);
const stage = document.querySelector<HTMLElement>('.tandem-stage')!;
const isCustomer = cfg.role === 'customer';

let session: SessionGrant | null = null;
let hub: HubConnection | null = null;
let me = '';
let myColor = '#2563eb';
let synced = false;
let ended = false;
let participants: ParticipantInfo[] = [];
let mode = cfg.control;
let granted = false;
let drawing = false;

const allowed = (): boolean => isCustomer || mode === 'always' || (mode === 'ask' && granted);
const live = (): boolean => !!hub && synced && !ended;

function pageSetup(): PageSetup {
  return { me, role: cfg.role, color: myColor, allowed: allowed(), drawing, participants };
}

const report = (message: string): void => console.warn('[tandem]', message);

// ---- the page's address, title and icon -----------------------------------------------------

const address = $<HTMLInputElement>('address');
const defaultTitle = document.title;
let icon = document.querySelector<HTMLLinkElement>('link[rel="icon"]');

function showAddress(url: string): void {
  if (address && document.activeElement !== address) address.value = url;
}

function showMeta(title: string, iconUrl: string): void {
  document.title = title || defaultTitle;
  if (!icon) {
    icon = document.createElement('link');
    icon.rel = 'icon';
    document.head.appendChild(icon);
  }
  // Only the gateway's own URLs: the shell's CSP would refuse others, and nothing else is asked.
  let href = 'data:,';
  try {
    if (iconUrl && new URL(iconUrl).origin === location.origin) href = iconUrl;
  } catch {
    /* not a URL */
  }
  if (icon.href !== href) icon.href = href;
}

address?.form?.addEventListener('submit', (e) => {
  e.preventDefault();
  const url = address.value.trim();
  if (!isGatewayPath(url)) return;
  if (isCustomer) customer?.navigate(url);
  else if (live() && allowed()) hub?.send('top/act', 'act', { type: 'goto', url });
  address.blur();
});

// ---- the stage --------------------------------------------------------------------------------

const contentFrame = $<HTMLIFrameElement>('content');

const customer = isCustomer
  ? new CustomerPage(contentFrame!, {
      live,
      setup: () => (me && !ended ? pageSetup() : null),
      send: (k, op, d, a) => hub?.send(k, op, d, a),
      mayAct: (by) => {
        const p = participants.find((x) => x.id === by);
        return !!p && p.role === 'operator' && (mode === 'always' || (mode === 'ask' && granted));
      },
      address: (url) => {
        showAddress(url);
        try {
          history.replaceState(null, '', url);
        } catch {
          /* a URL the shell cannot show */
        }
      },
      meta: showMeta,
      navSent: () => queueMicrotask(() => sendViewport(true)),
      report,
    })
  : null;

const mirror = isCustomer
  ? null
  : new Mirror(
      stage,
      {
        send: (k, op, d) => {
          if (live()) hub?.send(`top/${k}`, op, d, op === 'ink-clear' ? 'all' : 'others');
        },
        allowed,
        setup: () => (me && !ended ? pageSetup() : null),
        meta: showMeta,
        report,
      },
      cfg.mask,
      cfg.resources ? resourceUrls(cfg.resources.origin, cfg.resources.token) : undefined,
    );

if (customer) addEventListener('message', (e) => customer.onWindowMessage(e));
// An operator's stage starts empty: the mirror's frame arrives with the first snapshot.
if (mirror) contentFrame?.remove();

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
  if (address) address.readOnly = !isCustomer && !allowed();
  const draw = $('tool-draw');
  if (draw) draw.setAttribute('aria-pressed', String(drawing));
}

function showLink(state: LinkState): void {
  document.body.dataset.link = state;
  const el = document.querySelector<HTMLElement>('.tandem-link');
  if (el) el.textContent = state === 'reconnecting' ? 'reconnecting…' : state === 'connecting' ? 'connecting…' : '';
}

// ---- the customer's viewport ------------------------------------------------------------------

let lastSize = '';
let sizeTimer = 0;
function sendViewport(force = false): void {
  if (!isCustomer || !contentFrame || !live()) return;
  const d = { w: Math.round(contentFrame.clientWidth), h: Math.round(contentFrame.clientHeight) };
  const key = `${d.w}x${d.h}`;
  if ((!force && key === lastSize) || d.w <= 0 || d.h <= 0) return;
  lastSize = key;
  hub?.send('top/viewport', 'resize', d);
}
if (isCustomer && contentFrame) {
  new ResizeObserver(() => {
    if (sizeTimer) return;
    sizeTimer = setTimeout(() => {
      sizeTimer = 0;
      sendViewport();
    }, 1000 / OPS.resize.rateHz) as unknown as number;
  }).observe(contentFrame);
}

// ---- the session ----------------------------------------------------------------------------

function onCommand(cmd: Command): void {
  if (cmd.op === 'control') {
    granted = (cmd.d as { granted: boolean }).granted === true;
    render();
    return;
  }
  // Ours come back only for ops sent to all (ink-clear), and when resuming after a drop.
  if (cmd.by === me && cmd.op !== 'ink-clear') return;
  if (customer) return customer.deliver(cmd);
  if (!mirror) return;
  switch (cmd.op) {
    case 'nav':
      // A new page of the customer's: its log retired the drawing, and so does the mirror.
      if (cmd.k === 'top') mirror.clearInk();
      return showAddress((cmd.d as { url: string }).url);
    case 'resize': {
      const v = cmd.d as { w: number; h: number };
      return mirror.viewport(v.w, v.h);
    }
    case 'snapshot':
      return mirror.snapshot(cmd.d as Chunk);
    case 'dom':
      return mirror.changes(cmd.d as Chunk);
    case 'focus':
      return mirror.focus((cmd.d as { el: string | null }).el);
    case 'pointer':
      return mirror.pointer(cmd.by, cmd.d as { x: number; y: number });
    case 'ink':
      return mirror.ink(cmd.k.slice('top/'.length), cmd.d as { points: number[][]; color: string });
    case 'ink-clear':
      return mirror.clearInk();
  }
}

function start(grant: SessionGrant): void {
  session = grant;
  ended = false;
  synced = false;
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
            mirror?.hold();
          } else mirror?.release();
          break;
        case 'reset':
          synced = false;
          mirror?.forget();
          mirror?.hold();
          break;
        case 'replayed':
          synced = true;
          mirror?.release();
          customer?.start();
          break;
        case 'presence': {
          participants = Array.isArray(m.participants) ? m.participants : [];
          const setup = pageSetup();
          customer?.post({ t: 'presence', participants });
          mirror?.setPeople(setup.participants);
          break;
        }
        case 'control':
          mode = m.mode;
          granted = m.granted;
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

const ENDED_NOTICE =
  '<!doctype html><meta charset="utf-8"><body style="font:16px system-ui,sans-serif;display:grid;place-items:center;height:90vh;color:#334155"><p data-tandem-ended>The session has ended.</p></body>';

/** The session is over: the customer's page stops recording; an operator's mirror is cleared. */
function finish(): void {
  if (ended) return;
  ended = true;
  hub?.close();
  hub = null;
  participants = [];
  customer?.post({ t: 'presence', participants: [] });
  customer?.stop();
  mirror?.end(ENDED_NOTICE);
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
        start(await api.create());
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
  if (live()) hub?.send('session/control', 'control', { granted }, 'all');
  render();
});

$('tool-draw')?.addEventListener('click', () => {
  drawing = !drawing;
  customer?.post({ t: 'drawing', on: drawing });
  mirror?.setDrawing(drawing);
  render();
});

// Applied by everyone, the sender included, when it comes back in the session's order.
$('tool-clear')?.addEventListener('click', () => {
  if (live()) hub?.send('top/ink', 'ink-clear', {}, 'all');
});

// ---- start ----------------------------------------------------------------------------------

render();
if (cfg.session) {
  // An operator's session, or the customer's own after a reload (the gateway read its cookie).
  start({ id: cfg.session.id, code: cfg.session.code, token: cfg.session.token, name: cfg.session.name });
}

// Script navigations of the top window go into the content frame (Chromium; see top-navigation.ts).
import { installTopNavigation } from './top-navigation.js';
installTopNavigation();
