// Asks before Stop, Restart to apply and Delete, naming the guests and forwards the action touches and saying
// what really happens to them (a persistent network keeps its ports and plugs them in again at its next start).
import { ConfirmDialog } from './ConfirmDialog';

export type ImpactAction = 'stop' | 'restart' | 'delete';

export interface Impact {
  action: ImpactAction;
  name: string;
  active: boolean;
  persistent: boolean;
  guests: string[];
  /** Port forwards of the network ("tcp 8080 → 10.0.0.5:80"), or only their number. */
  forwards: string[] | number;
}

const LABEL: Record<ImpactAction, string> = { stop: 'Stop', restart: 'Restart', delete: 'Delete' };

/** What the action does to the guests and forwards, in plain words (one paragraph each). */
export function impactText(i: Impact): { guests: string; forwards: string; after?: string } {
  const nf = typeof i.forwards === 'number' ? i.forwards : i.forwards.length;
  const fw = nf === 1 ? 'its port forward' : `its ${nf} port forwards`;
  if (i.action === 'restart')
    return {
      guests:
        'These guests lose the network for a few seconds and are plugged in again (their ports and DHCP reservations are kept, so they keep their addresses):',
      forwards: nf ? `${fw[0]?.toUpperCase()}${fw.slice(1)} stop for the same few seconds.` : '',
      after: 'The network then runs its saved definition.',
    };
  if (i.action === 'stop')
    return i.persistent
      ? {
          guests:
            'These guests lose the network until it starts again; their ports are kept and plugged in again at the next start:',
          forwards: nf ? `${fw[0]?.toUpperCase()}${fw.slice(1)} stop forwarding until then.` : '',
        }
      : {
          guests: `${i.name} is transient: stopping it removes it. These guests are unplugged for good (their ports are deleted):`,
          forwards: nf ? `${fw[0]?.toUpperCase()}${fw.slice(1)} are removed with it.` : '',
        };
  return i.active
    ? {
        guests:
          'These guests keep the network while it runs; stopping it later removes it and unplugs them for good:',
        forwards: nf ? `${fw[0]?.toUpperCase()}${fw.slice(1)} keep working until then.` : '',
        after: `${i.name} keeps running as a transient network: its saved definition is removed now.`,
      }
    : {
        guests:
          'The definition is removed with its ports and lease file; these guests are unplugged for good:',
        forwards: nf ? `${fw[0]?.toUpperCase()}${fw.slice(1)} are removed with it.` : '',
      };
}

export function ImpactDialog(props: {
  impact: Impact;
  busy?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const i = props.impact;
  const t = impactText(i);
  return (
    <ConfirmDialog
      title={`${LABEL[i.action]} network ${i.name}?`}
      confirmLabel={LABEL[i.action]}
      confirmTestId={`confirm-${i.action}`}
      busy={props.busy}
      onCancel={props.onCancel}
      onConfirm={props.onConfirm}
    >
      {i.guests.length > 0 ? (
        <>
          <p>{t.guests}</p>
          <ul data-testid="impact-guests">
            {i.guests.map((g) => (
              <li key={g}>{g}</li>
            ))}
          </ul>
        </>
      ) : (
        <p data-testid="impact-no-guests">No guests are attached.</p>
      )}
      {Array.isArray(i.forwards) && i.forwards.length > 0 && (
        <ul data-testid="impact-forwards">
          {i.forwards.map((f) => (
            <li key={f}>
              <code>{f}</code>
            </li>
          ))}
        </ul>
      )}
      {t.forwards && <p data-testid="impact-forwards-text">{t.forwards}</p>}
      {t.after && <p class="muted">{t.after}</p>}
    </ConfirmDialog>
  );
}
