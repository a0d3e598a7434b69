import { asperaConf } from './aspera-conf.js';
import { firewall } from './firewall.js';
import { keystores } from './keystores.js';
import { preflight } from './preflight.js';
import { redisConf } from './redis-conf.js';
import { sentinelConf } from './sentinel-conf.js';
import { startServices, stopServices } from './services.js';
import { transferUserKeystores } from './transfer-users.js';
import { units } from './units.js';
import type { Step } from './types.js';
import { verifyCluster } from './verify.js';

/** Every step a playbook may name, by id. */
export const STEPS: Record<string, Step> = Object.fromEntries(
  [
    preflight, stopServices, asperaConf, redisConf, sentinelConf, units, keystores, firewall, startServices, verifyCluster,
    transferUserKeystores,
  ]
    .map((step) => [step.id, step]),
);
