/** The `app` kind's views: its canvas node. */
import { ServerIcon } from '../icons.tsx';
import type { KindView } from '../registry.ts';
import { AppNodeView } from './AppNodeView.tsx';

export const appView: KindView = { kind: 'app', view: AppNodeView, icon: ServerIcon };
