import type { NetworkEvent } from '../../../src/api/types';

export function ActivityTab({ events }: { events: NetworkEvent[] }) {
  return (
    <div data-testid="activity">
      {events.length === 0 ? (
        <p class="muted">No events since this page was opened.</p>
      ) : (
        <ol class="activity" aria-label="Events, newest first">
          {events.map((e, i) => (
            <li key={`${e.time}-${events.length - i}`} data-testid="activity-item">
              <time dateTime={e.time}>{new Date(e.time).toLocaleTimeString()}</time>{' '}
              <span class={`badge ev-${e.type}`}>{e.type}</span>
              {e.type === 'failed' && e.detail ? (
                <span class="failure">
                  {' '}
                  {String(e.detail.operation ?? 'operation')} failed: {String(e.detail.message ?? '')}
                  {e.detail.hint ? <strong class="hint"> What to do: {String(e.detail.hint)}</strong> : null}
                </span>
              ) : (
                e.detail &&
                Object.keys(e.detail).length > 0 && (
                  <code class="detail">
                    {Object.entries(e.detail)
                      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
                      .join(' ')}
                  </code>
                )
              )}
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
