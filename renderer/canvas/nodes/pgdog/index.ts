/** The `pgdog` kind's views: its canvas node (its console's EXPLAIN and SHOW POOLS come from the sim). */
import { RouterIcon } from '../icons.tsx';
import type { KindView } from '../registry.ts';
import { PgDogNodeView } from './PgDogNodeView.tsx';

export const pgdogView: KindView = { kind: 'pgdog', view: PgDogNodeView, icon: RouterIcon };
