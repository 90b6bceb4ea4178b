/**
 * Real app: Django's admin (Debian's python3-django, a project made by `django-admin
 * startproject`), server-rendered with a login form and CSRF tokens on every form. The operator
 * types the user name, the customer the (masked) password, the operator logs in; they make a group
 * together (the admin's own filter widget for permissions) and the customer renames it. Each page
 * is mirrored; the password never reaches the mirror; each POST arrives once.
 */

import t from 'tap';
import { DJANGO_ADMIN, startDjangoAdmin } from '../real-apps/apps.js';
import { callOperator, openCustomer, openOperator, waitForStatus } from './helpers/sharing.js';
import { mirrorMatches, opClick, opType, sideEffectsAre, startRealEnv, until } from './helpers/real-apps.js';

const REGION = '#content';

t.test('real-django-admin: a login with CSRF and forms filled from both sides, password masked, each POST once', async (t) => {
  const env = await startRealEnv(t, startDjangoAdmin);
  const customer = await openCustomer(env, '/admin/', { viewport: { width: 1100, height: 800 } });
  customer.context.setDefaultTimeout(10_000);
  const c = customer.content();
  const path = () => new URL(c.url()).pathname;
  await c.waitForSelector('#id_username');

  const call = await callOperator(customer);
  const operator = await openOperator(env, call);
  await waitForStatus(customer, 'connected');
  await mirrorMatches(t, customer, operator, 'the login page', { region: REGION, timeout: 20_000 });

  // The operator types the user name; the customer types the password; the operator logs in.
  await opClick(operator, '#id_username');
  await opType(operator, DJANGO_ADMIN.name);
  await until(t, async () => (await c.inputValue('#id_username')) === DJANGO_ADMIN.name, "the operator's user name in the customer's form");
  await c.click('#id_password');
  await customer.page.keyboard.type(DJANGO_ADMIN.password, { delay: 10 });
  await mirrorMatches(t, customer, operator, 'the login form filled in', { region: REGION });
  const mirrorHtml = () =>
    operator.page.evaluate(
      () => (document.querySelector('[data-tandem="content"]') as HTMLIFrameElement).contentDocument!.documentElement.outerHTML,
    );
  t.notMatch(await mirrorHtml(), DJANGO_ADMIN.password, 'the password is nowhere in the mirror');
  await opClick(operator, '#login-form input[type=submit]');
  await until(t, async () => path() === '/admin/', 'the customer is logged in');
  await until(t, async () => ((await c.textContent('#site-name')) ?? '').includes('Django administration'), 'the admin index');
  await mirrorMatches(t, customer, operator, 'the admin index after the login', { region: REGION });

  // The customer opens "add group" and names it; the operator picks a permission with the admin's
  // filter widget and saves.
  await c.click('a.addlink[href="/admin/auth/group/add/"]');
  await c.waitForSelector('#id_permissions_input');
  await c.fill('#id_name', 'Tellers');
  await mirrorMatches(t, customer, operator, 'the add-group form', { region: REGION });
  await opClick(operator, '#id_permissions_input');
  await opType(operator, 'view user');
  await until(
    t,
    async () =>
      (await c.$$eval('#id_permissions_from option', (l) => l.map((o) => o.textContent))).join('|') === 'auth | user | Can view user',
    "the filter narrowed the customer's list to one permission",
  );
  await mirrorMatches(t, customer, operator, 'the operator filters the permissions', { region: REGION });
  await opClick(operator, '#id_permissions_from option');
  await opClick(operator, '#id_permissions_add_link');
  await until(
    t,
    async () =>
      (await c.$$eval('#id_permissions_to option', (l) => l.map((o) => o.textContent))).join('|') === 'auth | user | Can view user',
    'the permission chosen on the customer page',
  );
  await mirrorMatches(t, customer, operator, 'the operator chooses a permission', { region: REGION });
  await opClick(operator, 'input[name=_save]');
  await until(t, async () => path() === '/admin/auth/group/', 'saved: the group list');
  await until(t, async () => ((await c.textContent('.messagelist')) ?? '').includes('Tellers'), 'the success message');
  await mirrorMatches(t, customer, operator, 'the group list after the save', { region: REGION });

  // The customer renames the group; the operator sees the change form and the result.
  await c.click('#result_list a[href*="/change/"]');
  await c.waitForSelector('#id_name');
  await mirrorMatches(t, customer, operator, 'the change form', { region: REGION });
  await c.fill('#id_name', 'Senior tellers');
  await mirrorMatches(t, customer, operator, 'the customer renames the group', { region: REGION });
  await c.click('input[name=_save]');
  await until(t, async () => ((await c.textContent('#result_list')) ?? '').includes('Senior tellers'), 'renamed');
  await mirrorMatches(t, customer, operator, 'the group list after the rename', { region: REGION });

  const bob = await openOperator(env, call, { name: 'bob' });
  await mirrorMatches(t, customer, bob, 'a late joiner', { region: REGION, timeout: 20_000 });

  await sideEffectsAre(
    t,
    env.app,
    ['POST /admin/login/', 'POST /admin/auth/group/add/', 'POST /admin/auth/group/1/change/'],
    'a login and two saves',
  );
});
