import { asperaConf } from './aspera-conf.js';
import { firewall } from './firewall.js';
import { keystores } from './keystores.js';
import { preflight } from './preflight.js';
import { redisConf } from './redis-conf.js';
import { redisUmask } from './redis-umask.js';
import { sentinelConf } from './sentinel-conf.js';
import { sentinelUnit } from './sentinel-unit.js';
import { startServices, stopServices } from './services.js';
import { transferUserKeystores } from './transfer-users.js';
import type { Step } from './types.js';
import { verifyCluster } from './verify.js';

/** Every step a playbook may name, by id. */
export const STEPS: Record<string, Step> = Object.fromEntries(
  [
    preflight, stopServices, asperaConf, redisConf, redisUmask, sentinelConf, sentinelUnit, keystores, firewall, startServices, verifyCluster,
    transferUserKeystores,
  ]
    .map((step) => [step.id, step]),
);
