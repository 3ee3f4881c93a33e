/** A word for sh, single-quoted: nothing inside is expanded. */
export const shQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
