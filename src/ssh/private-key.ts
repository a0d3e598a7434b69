import ssh2 from 'ssh2';

/** Why ssh2 could not use this file as a private key, with the next step; undefined when it can. */
export function privateKeyProblem(data: Buffer): { message: string; hint: string } | undefined {
  const parsed = ssh2.utils.parseKey(data);
  if (parsed instanceof Error) {
    if (/passphrase/i.test(parsed.message)) {
      return { message: 'is encrypted with a passphrase, which hsts-cluster cannot ask for', hint: 'load it into an ssh-agent (ssh-add FILE) and set "agent": true instead of "privateKey"' };
    }
    return { message: `is not a private key ssh2 can read (${parsed.message})`, hint: 'point privateKey at an OpenSSH or PEM private key, e.g. ~/.ssh/id_ed25519' };
  }
  const key: ssh2.ParsedKey | undefined = Array.isArray(parsed) ? (parsed as ssh2.ParsedKey[])[0] : parsed;
  if (key && !key.isPrivateKey()) {
    return { message: 'is a public key', hint: 'privateKey needs the private half: the same name without ".pub"' };
  }
  return undefined;
}
