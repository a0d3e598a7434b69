/**
 * The playbooks' text by name when the build put them inside the program (the single executable:
 * scripts/package.mjs replaces this module). Empty in the npm install, which reads playbooks/ from disk.
 */
export const BUNDLED_PLAYBOOKS: Readonly<Record<string, string>> = {};
