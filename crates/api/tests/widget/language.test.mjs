// The widget's language choice, right-to-left handling and its string table: every key
// in every language, the same placeholders everywhere. Run with
// `node --test crates/api/tests/widget/`.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  LANGUAGES,
  STRINGS,
  chooseLanguage,
  direction,
  greetingText,
  isRtl,
  localized,
  parseLanguage,
  text,
  typingText,
} from '../../assets/widget/widget-core.js';

test('tags fold into the six languages by their primary subtag', () => {
  assert.equal(parseLanguage('es'), 'es');
  assert.equal(parseLanguage('es-MX'), 'es');
  assert.equal(parseLanguage('pt-BR'), 'pt');
  assert.equal(parseLanguage('zh-Hant-TW'), 'zh');
  assert.equal(parseLanguage('zh_CN'), 'zh');
  assert.equal(parseLanguage('AR'), 'ar');
  assert.equal(parseLanguage(' id '), 'id');
  assert.equal(parseLanguage('in'), 'id', 'the withdrawn Indonesian code');
  assert.equal(parseLanguage('fr-FR'), null);
  assert.equal(parseLanguage(''), null);
  assert.equal(parseLanguage(undefined), null);
  assert.equal(parseLanguage(42), null);
});

test('the page attribute wins, then the browser languages in order, then English', () => {
  assert.equal(chooseLanguage('es', ['ar', 'en']), 'es');
  assert.equal(chooseLanguage(null, ['fr-FR', 'pt-BR', 'en']), 'pt', 'the first supported browser language');
  assert.equal(chooseLanguage('klingon', ['de', 'zh-CN']), 'zh', 'an unsupported attribute falls through');
  assert.equal(chooseLanguage(undefined, [], 'id-ID'), 'id');
  assert.equal(chooseLanguage(null, ['fr', 'de']), 'en');
  assert.equal(chooseLanguage(), 'en');
});

test('Arabic alone is right to left', () => {
  for (const language of LANGUAGES) {
    assert.equal(isRtl(language), language === 'ar', language);
    assert.equal(direction(language), language === 'ar' ? 'rtl' : 'ltr');
  }
});

/** The `{placeholder}` names in a string, sorted. */
function placeholders(value) {
  return [...value.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();
}

test('every string exists in every language, non-empty, with the same placeholders', () => {
  assert.deepEqual(Object.keys(STRINGS).sort(), [...LANGUAGES].sort());
  const keys = Object.keys(STRINGS.en);
  assert.ok(keys.length >= 50, `the table has ${keys.length} keys`);
  for (const language of LANGUAGES) {
    const table = STRINGS[language];
    assert.deepEqual(Object.keys(table).sort(), [...keys].sort(), `${language} has exactly the English keys`);
    for (const key of keys) {
      assert.equal(typeof table[key], 'string', `${language}.${key}`);
      assert.ok(table[key].trim().length > 0, `${language}.${key} is empty`);
      assert.deepEqual(placeholders(table[key]), placeholders(STRINGS.en[key]), `${language}.${key} placeholders`);
    }
  }
});

test('translations are translated: no language but English reuses the English sentences wholesale', () => {
  // Brand names and short technical words may coincide; whole sentences must not.
  for (const language of LANGUAGES.filter((candidate) => candidate !== 'en')) {
    const same = Object.keys(STRINGS.en).filter(
      (key) => STRINGS[language][key] === STRINGS.en[key] && STRINGS.en[key].includes(' '),
    );
    assert.deepEqual(same, [], `${language} copies English for ${same.join(', ')}`);
  }
});

test('Arabic and Chinese strings are written in their own scripts', () => {
  const arabic = /[\u0600-\u06FF]/;
  const han = /[\u4E00-\u9FFF]/;
  for (const key of ['title', 'send', 'seen', 'handoff', 'verify_title', 'rate_title']) {
    assert.match(STRINGS.ar[key], arabic, `ar.${key}`);
    assert.match(STRINGS.zh[key], han, `zh.${key}`);
  }
});

test('text fills placeholders, keeps unknown ones and falls back to English', () => {
  assert.equal(text('es', 'typing', { name: 'Ana' }), 'Ana está escribiendo…');
  assert.equal(text('en', 'queue_position', {}), 'You are number {position} in line.');
  assert.equal(text('fr', 'send'), 'Send', 'an unknown language speaks English');
  assert.equal(text('es', 'no_such_key'), 'no_such_key');
  assert.equal(text('en', 'typing', { name: '$& {x}' }), '$& {x} is typing…', 'values are inserted literally');
});

test('merchant text by language falls back to English, then to any, then to the default', () => {
  const greeting = { en: 'Hello!', es: '¡Hola!' };
  assert.equal(localized(greeting, 'es'), '¡Hola!');
  assert.equal(localized(greeting, 'ar'), 'Hello!');
  assert.equal(localized({ zh: '你好' }, 'pt'), '你好');
  assert.equal(localized({ es: '   ' }, 'es', 'fallback'), 'fallback');
  assert.equal(localized(null, 'es', 'fallback'), 'fallback');
  assert.equal(greetingText({ greeting: null }, 'pt'), STRINGS.pt.greeting_default);
  assert.equal(greetingText({ greeting: greeting }, 'es'), '¡Hola!');
  assert.equal(greetingText(null, 'ar'), STRINGS.ar.greeting_default);
});

test('typing names the agent, or says who in general', () => {
  assert.equal(typingText('Ana', 'en'), 'Ana is typing…');
  assert.equal(typingText('', 'es'), 'Soporte está escribiendo…');
  assert.equal(typingText(null, 'zh'), '客服 正在输入…');
});
