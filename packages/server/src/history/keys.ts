import type { Tier } from './ring.js';

/** The keys history is stored under (a backend adds its own prefix). */

export const FLEET = 'fleet';
export const workerSeries = (id: string) => `w:${id}`;
export const ringKey = (tier: Tier, series: string) => `${tier.stepMs}:${series}`;
export const statusKey = (id: string) => `status:${id}`;
