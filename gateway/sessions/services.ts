/**
 * The session services of one App, shared by the REST API and the pages (console, session
 * URL): operator accounts, the call flow, rate limits, webhooks and the console's live queue.
 * Created on first use, closed with the API.
 */

import type { App } from '../app.js';
import { Operators } from './operators.js';
import { LoginLimiter, SlidingWindow } from './login-limiter.js';
import { Calls } from './calls.js';
import { Webhooks } from './webhooks.js';
import { CallEvents } from './call-events.js';

export interface Services {
  operators: Operators;
  /** Resolves once the accounts are usable (the demo operator exists in demo mode). */
  ready: Promise<void>;
  logins: LoginLimiter;
  /** Sessions created per client address. */
  creations: SlidingWindow;
  webhooks: Webhooks | null;
  calls: Calls;
  events: CallEvents;
  close(): Promise<void>;
}

const byApp = new WeakMap<App, Services>();

export function services(app: App): Services {
  let s = byApp.get(app);
  if (s) return s;
  const operators = new Operators(app.config.operatorsFile);
  const webhooks = app.config.webhookUrl ? new Webhooks({ url: app.config.webhookUrl, secret: app.config.secret, log: app.log }) : null;
  const calls = new Calls(app, webhooks);
  const events = new CallEvents(app, calls);
  const ready = app.config.demo ? operators.ensureDemo() : Promise.resolve();
  ready.catch((err: unknown) => app.log.error({ err }, 'could not prepare the demo operator'));
  s = {
    operators,
    ready,
    logins: new LoginLimiter(),
    creations: new SlidingWindow({ limit: 120, windowMs: 60_000 }),
    webhooks,
    calls,
    events,
    // Closed for good: requests still draining keep using these (webhooks then drop new events).
    async close() {
      await events.close();
      await webhooks?.close();
    },
  };
  byApp.set(app, s);
  return s;
}
