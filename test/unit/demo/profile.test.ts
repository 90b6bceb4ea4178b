import t from 'tap';
import { FormData } from '../../../demo/http-util.js';
import { parseProfile, profileSaved } from '../../../demo/profile.js';

function form(fields: [string, string][]): FormData {
  const f = new FormData();
  for (const [k, v] of fields) f.add(k, v);
  return f;
}

t.test('demo profile: secrets are reduced to what a bank may show', async (t) => {
  const p = parseProfile(
    form([
      ['cardNumber', '4111-1111-1111-4242'],
      ['cardExpiry', '01/30'],
      ['cardCvc', '123'],
      ['newPassword', 'correct horse'],
      ['securityAnswer', 'Fluffy'],
    ]),
  );
  t.equal(p.cardLast4, '4242');
  t.equal(p.passwordChanged, true);
  t.equal(p.securityAnswerSet, true);
  t.equal(p.cardExpirySet, true);
  const json = JSON.stringify(p);
  for (const secret of ['4111', '01/30', '123', 'correct horse', 'Fluffy']) t.notOk(json.includes(secret), `${secret} is not kept`);
});

t.test('demo profile: values outside the offered choices are dropped', async (t) => {
  const p = parseProfile(
    form([
      ['alerts', 'sms'],
      ['alerts', '<script>'],
      ['language', 'xx'],
      ['country', 'FR'],
      ['interests', 'pension'],
      ['interests', 'lottery'],
      ['themeColor', 'red;background:url(x)'],
    ]),
  );
  t.same(p.alerts, ['sms']);
  t.equal(p.language, '');
  t.equal(p.country, 'FR');
  t.same(p.interests, ['pension']);
  t.equal(p.themeColor, '#1f6feb');
});

t.test('demo profile: the saved page escapes what was typed', async (t) => {
  const html = profileSaved(parseProfile(form([['fullName', '<img src=x onerror=alert(1)>']])));
  t.notOk(html.includes('<img src=x'));
  t.match(html, /&#60;img src=x/);
});
