// What happened to the network, newest first, in plain words: kept by the daemon (also before the page opened)
// and followed live.
import './activity.css';
import type { NetworkEvent } from '../../../src/api/types';
import { describeEvent } from '../event-words';

function when(time: string): string {
  const t = new Date(time);
  const today = new Date().toDateString() === t.toDateString();
  return today ? t.toLocaleTimeString() : t.toLocaleString();
}

export function ActivityTab({ events }: { events: NetworkEvent[] }) {
  return (
    <div data-testid="activity">
      {events.length === 0 ? (
        <p class="muted">Nothing has happened to this network since the daemon started.</p>
      ) : (
        <ol class="activity" aria-label="Events, newest first">
          {events.map((e, i) => {
            const { text, tone } = describeEvent(e);
            return (
              <li key={`${e.time}-${events.length - i}`} data-testid="activity-item" class={`tone-${tone}`}>
                <time dateTime={e.time}>{when(e.time)}</time>{' '}
                <span class={`badge ev-${e.type}`}>{e.type}</span> <span class="what">{text}</span>
              </li>
            );
          })}
        </ol>
      )}
    </div>
  );
}
