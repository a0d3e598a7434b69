/**
 * An IPv4 address as inet_ntop writes it (and so ss, and the inventory accepts): four numbers 0-255,
 * no leading zeros. Written in POSIX ERE, so that bash's `=~` reads the same pattern as JavaScript.
 */
const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';

/** The pattern as text, for bash (`[[ $x =~ $re ]]`). */
export const IPV4_ERE = `^${OCTET}(\\.${OCTET}){3}$`;

export const IPV4 = new RegExp(IPV4_ERE);
