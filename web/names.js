// Names as people read them: the form they are sorted by (the server's
// core/text.py, sort_key: the reading in hiragana, else the name, folded), and
// how a name is shown with what tells two people of one name apart.

/** NFKC, lower case, katakana as hiragana, no spaces: スズキ, すずき and ｽｽﾞｷ alike. */
export function fold(text) {
  const folded = (text ?? '').normalize('NFKC').toLowerCase().replace(/\s+/g, '');
  return folded.replace(/[\u30a1-\u30f6\u30fd\u30fe]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) - 0x60));
}

/** The key a person (or department) is listed by. */
export function sortKey(named) {
  return fold(named.reading) || fold(named.display_name ?? named.name);
}

/** Order by reading, as the server lists people (by code point: gojūon for hiragana). */
export function byReading(a, b) {
  const ka = sortKey(a);
  const kb = sortKey(b);
  if (ka !== kb) return ka < kb ? -1 : 1;
  return (a.id ?? 0) - (b.id ?? 0);
}

/** "すずき いちろう · 営業部": what is shown beside a name, or '' when there is nothing. */
export function nameNote(person, { department = true } = {}) {
  return [person.reading, department ? person.department : null].filter(Boolean).join(' · ');
}
