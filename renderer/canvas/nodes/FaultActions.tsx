/**
 * The frame of a node's faults panel, shared by every kind that takes fault commands: the buttons, why they
 * cannot act now (whyNotLive: no run, or the run has reached its run.duration), then what the kind shows
 * while they can. `buttons` gets whether faults act now and the command to send.
 */
import type { ReactNode } from 'react';
import type { FaultCommand } from '../../sim/protocol.ts';
import { appStore, useApp } from '../../store/appStore.ts';
import { whyNotLive } from '../../store/runSlice.ts';

export function FaultActions({ testId, buttons, children }: { testId: string; buttons: (live: boolean, fault: (f: FaultCommand) => void) => ReactNode; children?: ReactNode }) {
  const why = useApp((s) => whyNotLive(s));
  const fault = (f: FaultCommand) => void appStore.getState().fault(f);
  return (
    <div className="node-actions" data-testid={testId}>
      <h3>Faults</h3>
      <div className="row">{buttons(!why, fault)}</div>
      {why ? (
        <p className="muted" data-testid="faults-why">
          {why}
        </p>
      ) : (
        children
      )}
    </div>
  );
}
