import { inspect } from 'node:util';

const REDACTED = '***';

/**
 * A secret value. It prints as *** everywhere (String(), JSON, console.log, template strings);
 * the only way to the value is reveal(), which callers use to hand it to a remote program's stdin.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
    knownSecrets.add(value);
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}

const knownSecrets = new Set<string>();

/** Registers a value seen at run time (a password read from a node's file, say) for redaction. */
export function markSecret(value: string): void {
  if (value.length > 0) knownSecrets.add(value);
}

/**
 * Replaces every known secret in text with ***. The last line of defence for anything that leaves
 * the process (logs, journal, errors); the first is that secrets never enter such text at all.
 */
export function redact(text: string): string {
  let out = text;
  for (const secret of knownSecrets) {
    if (secret.length >= 3 && out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out;
}
