/**
 * The sim's code in stages, for a page that must never block for long (issue 14: no task over 50 ms). A
 * module graph is evaluated in one task: importing `index.ts` at once built every zod schema and compiled
 * zod's code on its first use in a single task (47-51 ms of CPU on a loaded machine). Each stage is a
 * dynamic import (its own chunk), a caller gives the page a turn between them, and a module an earlier
 * stage evaluated is not evaluated again: zod; PgBouncer's settings (the first schemas built: zod's code
 * for numbers, enums and objects is compiled there, not with the workload's); the workload's schemas; the
 * node kinds and their settings; the rest, `index.ts`, which resolves to the public API.
 */
export const SIM_STAGES = [
  () => import('./scenario/settings.ts'),
  () => import('./nodes/pgbouncer/settings.ts'),
  () => import('./workload/schema.ts'),
  () => import('./nodes/index.ts'),
  () => import('./index.ts'),
] as const;
