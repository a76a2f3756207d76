/**
 * Slugs the way the seed worker makes them (python-slugify with a custom disallowed-character pattern and
 * no lower-casing): quotes and every disallowed character become "-", runs of "-" collapse to one, leading
 * and trailing "-" go, and the result is cut to the maximum length.
 */

export interface SlugOptions {
  /** Matches one disallowed character; must be a global regular expression. */
  disallowed: RegExp;
  maxLength: number;
  /** Keep non-ASCII letters (tags) instead of reducing them to ASCII (families). */
  allowUnicode: boolean;
}

const COMBINING_MARKS = /[\u0300-\u036f]/g;

export function slugify(text: string, options: SlugOptions): string {
  let out = text.replace(/'+/g, '-');
  out = options.allowUnicode ? out.normalize('NFKC') : out.normalize('NFKD').replace(COMBINING_MARKS, '');
  out = out.replace(options.disallowed, '-');
  out = out.replace(/-{2,}/g, '-').replace(/^-+|-+$/g, '');
  if (out.length > options.maxLength) out = out.slice(0, options.maxLength).replace(/^-+|-+$/g, '');
  return out;
}

/** AWS family names: "Up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens". */
export function slugifyFamily(family: string): string {
  return slugify(family, { disallowed: /[^a-zA-Z0-9_-]/g, maxLength: 255, allowUnicode: false });
}

/**
 * The seed's tag pattern, exactly: ASCII letters, digits and _ . / = + : @ - survive; everything else,
 * including spaces and non-ASCII letters that AWS would accept, becomes "-".
 */
const TAG_DISALLOWED = /[^a-zA-Z0-9_./=+:@-]/g;
export const TAG_KEY_MAX = 128;
export const TAG_VALUE_MAX = 256;

export function slugifyTagKey(key: string): string {
  return slugify(key, { disallowed: TAG_DISALLOWED, maxLength: TAG_KEY_MAX, allowUnicode: true });
}

export function slugifyTagValue(value: string): string {
  return slugify(value, { disallowed: TAG_DISALLOWED, maxLength: TAG_VALUE_MAX, allowUnicode: true });
}
