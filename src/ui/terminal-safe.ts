/**
 * Text from a node reaches the operator's terminal: a transfer's command line, context lines of the
 * noded user's aspera_31415.conf in a plan's diff, a listener's process name. Any local account
 * chooses such text, and a terminal obeys control characters in it: an escape sequence may retitle
 * the window, write the clipboard (OSC 52) or move the cursor to hide lines of the plan the operator
 * is approving; a carriage return or a bidi override may do the latter too. Every character of that
 * kind leaving hsts-cluster is written as `\uXXXX`: visible to a person, and the same value to a JSON
 * parser (JSON.stringify leaves C1 controls, DEL and bidi overrides raw). Newline and tab stay.
 */
const UNSAFE_RANGES = '\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069';
const FOUND = new RegExp(`[${UNSAFE_RANGES}]`);
const ALL = new RegExp(`[${UNSAFE_RANGES}]`, 'g');

export function terminalSafe(text: string): string {
  if (!FOUND.test(text)) return text;
  return text.replace(ALL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
