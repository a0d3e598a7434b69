/** hsts-cluster's version: what --version prints and what a backup's manifest records (package.json's). */
export const VERSION = '0.1.0';
