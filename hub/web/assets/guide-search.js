// Search of the guide screen: finds procedures whatever the citizen types,
// with or without Vietnamese diacritics ("can cuoc", "căn cước", "dang ky
// xe", "CCCD"). Pure functions, no DOM: the unit tests import this file.
//
// Text is folded (NFD, combining marks removed, đ → d, lower case, anything
// but letters and digits a space). A procedure matches when every word of
// the query starts a word of its name, its field's name or its card's
// keywords. Results are ranked: the query as a phrase in the name, every
// word in the name, then words found in the name rather than elsewhere; a
// query typed with diacritics ranks names with the same diacritics first.

/** "Đăng ký, cấp biển số xe" → "dang ky cap bien so xe". */
export function fold(text) {
  return String(text)
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

const words = (text) => (text ? text.split(' ') : []);

/** Lower case, NFC, punctuation as spaces, diacritics kept. */
const plain = (text) =>
  String(text)
    .normalize('NFC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

/** One entry per procedure, built once per content: { procedure, field, name, words… }. */
export function buildIndex(fields) {
  const index = [];
  for (const field of fields) {
    const fieldWords = words(fold(field.name));
    for (const procedure of field.procedures) {
      const name = fold(procedure.name);
      index.push({
        procedure,
        field,
        name,
        plainName: plain(procedure.name),
        nameWords: words(name),
        fieldWords,
        keywordWords: (procedure.card?.keywords ?? []).flatMap((k) => words(fold(k))),
      });
    }
  }
  return index;
}

const starts = (list, token) => list.some((w) => w.startsWith(token));

/** Matching entries, best first (ties keep the catalogue's order). */
export function search(index, query) {
  const folded = fold(query);
  const tokens = words(folded);
  if (!tokens.length) return [];
  const accented = plain(query);
  const hasMarks = accented !== folded;
  const found = [];
  index.forEach((entry, order) => {
    let score = 0;
    for (const token of tokens) {
      if (starts(entry.nameWords, token)) score += 10;
      else if (starts(entry.keywordWords, token)) score += 4;
      else if (starts(entry.fieldWords, token)) score += 2;
      else return;
    }
    if (tokens.every((t) => starts(entry.nameWords, t))) score += 50;
    if (` ${entry.name} `.includes(` ${folded}`)) score += 100;
    if (entry.name.startsWith(folded)) score += 30;
    if (hasMarks && ` ${entry.plainName} `.includes(` ${accented}`)) score += 20;
    found.push({ entry, score, order });
  });
  found.sort((a, b) => b.score - a.score || a.order - b.order);
  return found.map((f) => f.entry);
}
