/** The system user name rule, shared by the inventory schema and the command line. */
export const USER_NAME = /^[a-z_][a-z0-9_.-]{0,31}$/;
export const USER_NAME_RULE = 'must be a system user name: a lower-case letter or "_" first, then lower-case letters, digits, "_", "." or "-", at most 32 characters';
