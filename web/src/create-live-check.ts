// The create form's checks as the user types: a name that exists (from the list), and the daemon's own overlap
// findings (other networks, host routes) from a debounced dry run of the define under a probe name.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from './api';

/** The name the as-you-type dry run defines, so a clash of the user's name does not hide a subnet clash. */
export const PROBE_NAME = 'virtnet-create-check';

export interface LiveCheck {
  /** Next to the name field: a network of that name exists. */
  name?: string;
  /** Next to the subnet field: the daemon's overlap findings (other networks, host routes). */
  subnet: string[];
  /** Other findings of the daemon's dry run. */
  other: string[];
}

/**
 * Checks the form against the daemon as the user types: the names from the list, and a debounced dry run of the
 * define (the daemon's own overlap checks against every network and the host's routes).
 */
export function useLiveCheck(typedName: string, probeXml: string | undefined): LiveCheck {
  const [names, setNames] = useState<Set<string>>(new Set());
  const [found, setFound] = useState<{ xml: string; subnet: string[]; other: string[] }>();
  const seq = useRef(0);
  useEffect(() => {
    api.list().then(
      (l) => setNames(new Set(l.map((n) => n.name))),
      () => undefined,
    );
  }, []);
  useEffect(() => {
    if (!probeXml) return;
    const mine = ++seq.current;
    const timer = setTimeout(() => {
      api.planDefine(probeXml).then(
        (p) => {
          if (mine !== seq.current) return;
          const ws = (p.warnings ?? []).map((w) => w.split(`'${PROBE_NAME}'`).join('this network'));
          const isSubnet = (w: string) => /overlaps|in use by interface/i.test(w);
          setFound({ xml: probeXml, subnet: ws.filter(isSubnet), other: ws.filter((w) => !isSubnet(w)) });
        },
        () => mine === seq.current && setFound(undefined),
      );
    }, 300);
    return () => clearTimeout(timer);
  }, [probeXml]);
  const name = typedName.trim();
  const out: LiveCheck = { subnet: [], other: [] };
  if (name && names.has(name)) out.name = `A network named '${name}' already exists; choose another name.`;
  if (found && found.xml === probeXml) {
    out.subnet = found.subnet;
    out.other = found.other;
  }
  return out;
}
