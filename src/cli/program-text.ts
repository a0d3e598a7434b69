/** What `--help` says of the program as a whole; the man page (man-page.ts) says the same. */
export const PROGRAM_DESCRIPTION = 'Turn IBM Aspera HSTS servers into a Redis Sentinel high-availability cluster over SSH';

export const EXIT_CODES = `
Exit codes:
  0  ok (status: healthy)
  1  failed; every changed node was rolled back (status: not healthy)
  2  bad input or usage: nothing was touched, no connection was opened
  3  failed and the rollback failed too: the recap names the node and what is left

Options go before or after the command: hsts-cluster -i inventory.json up
The inventory is -i FILE, else $HSTS_CLUSTER_INVENTORY, else ./inventory.json.`;
