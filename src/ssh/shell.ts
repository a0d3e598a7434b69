/** Quotes a word for a POSIX shell: 'it'\''s'. */
export function shq(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
