/**
 * A run's command: an argv array, or one string split into words the way the seed splits it (Python's
 * shlex.split, POSIX mode). The one parser both admission (which rejects a string it cannot split) and
 * launch (which sends the words as the container override's `command`) use, so they cannot disagree.
 *
 * Splitting: whitespace separates words; single quotes keep everything literally; double quotes keep
 * everything but let a backslash escape \ " $ ` and newline; outside quotes a backslash escapes the next
 * character. An unclosed quote or a trailing backslash is an error, as in shlex.
 */
export class ShlexError extends Error {
  override readonly name = 'ShlexError';
}

export function shlexSplit(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  while (i < text.length) {
    const ch = text.charAt(i);
    if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i += 1;
      continue;
    }
    inWord = true;
    if (ch === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new ShlexError('No closing quotation');
      word += text.slice(i + 1, end);
      i = end + 1;
    } else if (ch === '"') {
      i += 1;
      for (;;) {
        if (i >= text.length) throw new ShlexError('No closing quotation');
        const c = text.charAt(i);
        if (c === '"') { i += 1; break; }
        if (c === '\\' && i + 1 < text.length && '\\"$`\n'.includes(text.charAt(i + 1))) {
          word += text.charAt(i + 1);
          i += 2;
        } else {
          word += c;
          i += 1;
        }
      }
    } else if (ch === '\\') {
      if (i + 1 >= text.length) throw new ShlexError('No escaped character');
      word += text.charAt(i + 1);
      i += 2;
    } else {
      word += ch;
      i += 1;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** The argv a command stands for; throws ShlexError when a string command cannot be split. */
export function commandArgv(command: string | readonly string[]): string[] {
  return typeof command === 'string' ? shlexSplit(command) : [...command];
}
