/** The operator console in Chromium, for the call-flow and player e2e tests. */

import type { Frame, Page } from 'playwright-core';
import { OPERATOR_PASSWORD, type Participant, type SharingEnv } from './helpers/sharing.js';

export interface ConsoleTab {
  page: Page;
  base: string;
  name: string;
}

/** Opens /__tandem/console on `base` and logs in through the form, as a person would. */
export async function openConsole(env: SharingEnv, base: string, name: string): Promise<ConsoleTab> {
  const context = await env.browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${base}/__tandem/console`);
  await page.fill('[data-tandem="login-name"]', name);
  await page.fill('[data-tandem="login-password"]', OPERATOR_PASSWORD);
  await page.click('[data-tandem="login-submit"]');
  await page.waitForFunction(
    () => document.body.dataset.view === 'main' && document.querySelector('[data-tandem="queue-status"]')?.textContent === 'live',
  );
  return { page, base, name };
}

/** The Respond button of a waiting (not yet taken) call for `sessionId`. */
export function respondFor(sessionId: string): string {
  return `[data-tandem="queue"] li.tc-waiting[data-session="${sessionId}"] [data-tandem="respond"]`;
}

export async function enabledResponds(tab: ConsoleTab): Promise<number> {
  return tab.page.locator('[data-tandem="respond"]:not([disabled])').count();
}

/** The content frame of an operator's shell page: the mirror, the shell's one child frame. */
export function contentOf(page: Page): () => Frame {
  return () => {
    const children = page.mainFrame().childFrames();
    const f = children.find((fr) => fr.name() === 'tandem-content') ?? (children.length === 1 ? children[0] : undefined);
    if (!f) throw new Error('no content frame');
    return f;
  };
}

/** The operator's tab, once Respond or a join took it to the session URL, as a shell participant. */
export function shellOf(tab: ConsoleTab): Participant {
  const content = contentOf(tab.page);
  return { context: tab.page.context(), page: tab.page, base: tab.base, content, frame: () => content() };
}
