/**
 * Local addresses as `ss -Htlne` prints them, and whether a listener there may receive what is sent
 * to TARGET (10.1.2.3): one table for pre-flight's `listensOn` and the password guard's bash, so
 * that the two cannot disagree.
 */
export const TARGET = '10.1.2.3';

export const LISTEN_ADDRESSES: readonly (readonly [address: string, receives: boolean])[] = [
  ['0.0.0.0', true], ['*', true], ['[::]', true], ['0.0.0.0%eth0', true], ['*%eth0', true], ['[::]%eth0', true],
  // IPv4 on every address through an IPv6 socket: any account may bind it.
  ['[::ffff:0.0.0.0]', true], ['[::ffff:0.0.0.0]%eth0', true], ['[::0.0.0.0]', true],
  ['10.1.2.3', true], ['10.1.2.3%eth0', true], ['[::ffff:10.1.2.3]', true], ['[::FFFF:10.1.2.3]', true],
  // Not spellings ss uses, but mapped all the same: counted (fail closed).
  ['[0:0:0:0:0:ffff:10.1.2.3]', true], ['[::ffff:a01:203]', true],
  ['127.0.0.11', false], ['127.0.0.1', false], ['10.1.2.33', false], ['110.1.2.3', false], ['[::ffff:10.1.2.4]', false],
  ['[::1]', false], ['[fe80::1]%eth0', false], ['[2001:db8::1]', false],
  // Not as inet_ntop writes an IPv4 address: unrecognised, so counted.
  ['10.1.2.03', true], ['999.1.2.3', true],
];

/**
 * Targets that are not an IPv4 address other than 0.0.0.0 (a running Redis's `bind`, from a file the
 * noded user writes, may say anything): every listener on the port counts, wherever it is. A
 * connection to 0.0.0.0 reaches a loopback listener; localhost and ::1 are loopback too.
 */
export const JUDGE_ALL_TARGETS = ['0.0.0.0', '127.0.0.01', 'localhost', '::1', '10.1.2.3 ', ''];
export const ANY_LISTENERS = ['127.0.0.1', '[::1]', '10.9.9.9', '[fe80::1]%eth0'];
