/** What happened during the run: nodes booted or crashed, settings applied, console statements. */
import { useApp } from '../store/appStore.ts';

export function EventsPanel() {
  const events = useApp((s) => s.events);
  return (
    <div className="events" data-testid="events">
      {events.length === 0 && <p className="muted">No events yet. Press Run.</p>}
      <table>
        <tbody>
          {[...events].reverse().map((e, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: events have no id
            <tr key={events.length - i} className={`event-${e.type}`}>
              <td className="num">{(e.at / 1e6).toFixed(2)} s</td>
              <td>
                <code>{e.type}</code>
              </td>
              <td>{e.node ?? ''}</td>
              <td>{e.message}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
