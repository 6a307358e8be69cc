// The guide screen's on-screen keyboard (a kiosk has no physical one):
// letters, digits, the Vietnamese letters ă â đ ê ô ơ ư, and the five tone
// keys, which put the tone on the right vowel of the word being typed
// (addTone, pure and unit-tested), as typists expect: "duong" + huyền →
// "đường" needs đ and ư typed, then the tone lands on ơ.

/** Tone keys: label, combining mark. */
export const TONES = [
  ['sắc', '\u0301'],
  ['huyền', '\u0300'],
  ['hỏi', '\u0309'],
  ['ngã', '\u0303'],
  ['nặng', '\u0323'],
];
const TONE_MARKS = new Set(TONES.map(([, m]) => m));
/** Marks that make ă â ê ô ơ ư: the tone goes on such a letter first. */
const SHAPE_MARKS = new Set(['\u0306', '\u0302', '\u031b']);
const VOWELS = new Set(['a', 'e', 'i', 'o', 'u', 'y']);

/** "người" → [{base:'n',…}, …]: each letter with its shape and tone marks apart. */
function letters(word) {
  const out = [];
  for (const ch of word.normalize('NFD')) {
    const last = out.at(-1);
    if (/\p{M}/u.test(ch) && last) {
      if (TONE_MARKS.has(ch)) last.tone = ch;
      else last.marks += ch;
    } else out.push({ base: ch, marks: '', tone: '' });
  }
  return out;
}

const isVowel = (l) => VOWELS.has(l.base.toLowerCase());

/** Index of the letter a tone goes on, or -1 when the word has no vowel. */
export function toneIndex(ls) {
  let start = 0;
  const lower = ls.map((l) => l.base.toLowerCase()).join('');
  // "qu" and "gi" before another vowel: u and i are consonants there.
  if (/^qu/.test(lower) || (/^gi/.test(lower) && ls[2] && isVowel(ls[2]))) start = 2;
  let first = -1;
  let last = -1;
  for (let i = start; i < ls.length; i++) {
    if (isVowel(ls[i])) {
      if (first === -1) first = i;
      last = i;
    } else if (first !== -1) break;
  }
  if (first === -1) {
    // "gì", "quý": the only vowel is the one the rule above skipped.
    for (let i = 0; i < ls.length; i++) if (isVowel(ls[i])) return i;
    return -1;
  }
  for (let i = last; i >= first; i--) if ([...ls[i].marks].some((m) => SHAPE_MARKS.has(m))) return i;
  if (first === last) return first;
  // A consonant after the vowels ("hoàn", "tuấn"): on the last vowel.
  if (last < ls.length - 1) return last;
  // Three vowels at the end ("ngoài"): the middle one; two ("mái", "hóa", "thủy"): the first.
  return last - first >= 2 ? first + 1 : first;
}

/**
 * Put `tone` (a combining mark) on the last word of `text`; the same tone
 * again takes it off, another replaces it. A word without a vowel is left as it is.
 */
export function addTone(text, tone) {
  const m = /(\S*)$/.exec(text);
  const word = m[1];
  if (!word) return text;
  const ls = letters(word);
  const at = toneIndex(ls);
  if (at === -1) return text;
  const had = ls.find((l) => l.tone)?.tone ?? '';
  for (const l of ls) l.tone = '';
  if (had !== tone) ls[at].tone = tone;
  const rebuilt = ls.map((l) => l.base + l.marks + l.tone).join('');
  return text.slice(0, text.length - word.length) + rebuilt.normalize('NFC');
}

const ROWS = [
  ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0'],
  ['q', 'w', 'e', 'r', 't', 'y', 'u', 'i', 'o', 'p'],
  ['a', 's', 'd', 'f', 'g', 'h', 'j', 'k', 'l', 'đ'],
  ['z', 'x', 'c', 'v', 'b', 'n', 'm', 'back'],
  ['ă', 'â', 'ê', 'ô', 'ơ', 'ư'],
];

/**
 * Build the keyboard into `box`. `onText(next)` gets the new text after each
 * key; `text()` reads the current one; `onHide()` closes the keyboard.
 * `words`: { space, clear, hide, tones } labels.
 */
export function mountKeyboard(box, { text, onText, onHide, labels }) {
  const key = (label, action, extra = '') => {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = `key ${extra}`.trim();
    b.textContent = label;
    b.addEventListener('click', () => action());
    return b;
  };
  const type = (ch) => onText(text() + ch);
  box.replaceChildren();
  for (const row of ROWS) {
    const r = document.createElement('div');
    r.className = 'key-row';
    for (const k of row) {
      if (k === 'back') r.append(key('⌫', () => onText([...text()].slice(0, -1).join('')), 'wide'));
      else r.append(key(k, () => type(k)));
    }
    box.append(r);
  }
  const tones = document.createElement('div');
  tones.className = 'key-row tones';
  tones.setAttribute('aria-label', labels.tones);
  for (const [name, mark] of TONES) {
    const b = key(`a${mark}`.normalize('NFC'), () => onText(addTone(text(), mark)), 'tone');
    b.setAttribute('aria-label', name);
    b.title = name;
    tones.append(b);
  }
  box.append(tones);
  const last = document.createElement('div');
  last.className = 'key-row';
  last.append(
    key(labels.space, () => type(' '), 'space'),
    key(labels.clear, () => onText(''), 'wide'),
    key(labels.hide, () => onHide(), 'wide hide'),
  );
  box.append(last);
}
