import ssh2 from 'ssh2';

/**
 * An ed25519 key pair that ssh2 itself can read back. ssh2's generateKeyPairSync now and then
 * (about 1 in 300 on this machine) writes a private key its own parseKey rejects as "Malformed
 * OpenSSH private key"; a test must not fail on that, so such a pair is made again (bounded).
 */
export function generateUsableKeyPair(comment?: string): { private: string; public: string } {
  for (let attempt = 1; attempt <= 20; attempt++) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519', comment === undefined ? {} : { comment });
    if (!(ssh2.utils.parseKey(pair.private) instanceof Error)) return pair;
  }
  throw new Error('ssh2 made 20 unreadable ed25519 keys in a row');
}
