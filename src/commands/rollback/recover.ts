// The `rollback` command's runner lives in procedure.ts; this name stays for its importers.
export { recoverRun, type RecoverOptions } from './procedure.js';
