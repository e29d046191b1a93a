// Steps as data: what a plan does to the host (actions), what each step leaves there (resources), its undo.
// Pure. Executors (src/host/) run the actions; the recording executor writes them down (dry runs, goldens).

/** One thing an executor does. A closed set: every executor handles exactly these. */
export type Action =
  /** A program, run with execFile (never a shell). `mayFail`: a failure is noted, not thrown (removals). */
  | {
      kind: 'exec';
      argv: string[];
      stdin?: string;
      mayFail?: boolean;
      /** Run instead, in order, when the command fails (e.g. tc without the optional fq_codel qdisc). */
      orElse?: Array<{ argv: string[]; stdin?: string; mayFail?: boolean }>;
      /** Put before the command's own error, to say what the failure means. */
      explain?: string;
    }
  /**
   * One transaction on virtnet's own table (`nft -f -`). The real executor sends it through the long-lived nft
   * session that owns the table (see src/host/nft-session.ts). `mayFail`: on failure, retry statement by
   * statement and ignore what still fails (removing objects that may already be gone).
   */
  | { kind: 'nft'; script: string; mayFail?: boolean }
  /** An atomic file write (temp file, fsync, rename); missing parent directories are made (0755). */
  | { kind: 'write'; path: string; content: string; mode: number }
  | { kind: 'remove'; path: string }
  /** A write below /proc/sys (key with slashes: net/ipv4/ip_forward). */
  | { kind: 'sysctl'; key: string; value: string }
  /** Starts a daemonizing program that writes its pid file (whose directory the executor makes); the executor
   * then supervises it (restart on death). `muteRouteEvents`: after each start, take the host's address and route
   * changes away from it (a dnsmasq that ignores them; see src/host/route-event-mute.ts). */
  | { kind: 'spawn'; process: ProcessRef; argv: string[]; muteRouteEvents?: true }
  /** Signals our live process (SIGHUP: dnsmasq re-reads its hosts files). */
  | { kind: 'signal'; process: ProcessRef; signal: 'SIGHUP'; pid?: number }
  /** Ends supervision and stops the process (SIGTERM, then SIGKILL), waiting until it is gone. */
  | { kind: 'stop-process'; process: ProcessRef; pid?: number }
  /**
   * Hook scripts (libvirt's hooks/network, then hooks/network.d/* in order), each run with `args` and `stdin`.
   * All run even when one fails, as libvirt does; then the action fails if any did. A script still running after
   * `timeoutMs` is killed, with whatever it started. See src/plan/hook-steps.ts.
   */
  | { kind: 'hook'; scripts: string[]; args: string[]; stdin: string; timeoutMs: number };

/** How a supervised process is known: a stable id, its pid file, and an argument its command line must hold. */
export type SpawnAction = Extract<Action, { kind: 'spawn' }>;

export interface ProcessRef {
  /** e.g. `dnsmasq:default` */
  id: string;
  /** The network it serves (events name it). */
  network: string;
  pidFile: string;
  /** An exact argument of /proc/PID/cmdline that proves the PID is ours (not a reused one). */
  match: string;
  /** What it is, for logs and events (default 'dnsmasq'). */
  program?: 'dnsmasq' | 'zebra' | 'bgpd';
}

/** What a step leaves on the host, in the terms the probe observes (src/plan/observed.ts). */
export type Resource =
  | {
      kind: 'link';
      name: string;
      type: 'bridge' | 'tap' | 'veth' | 'macvtap' | 'macvlan' | 'ifb';
      master?: string;
      mtu?: number;
      mac?: string;
      /** The device it sits on (macvtap, macvlan). */
      lower?: string;
      /** Made inside this namespace (a container's macvlan), not the host's. */
      netns?: string;
    }
  | { kind: 'addr'; dev: string; cidr: string }
  | { kind: 'route'; dev: string; dest: string }
  | { kind: 'nft-table' }
  | { kind: 'nft-chain'; name: string; rules: number }
  | { kind: 'nft-element'; map: string; key: string; chain: string }
  | { kind: 'file'; path: string; content: string }
  | { kind: 'process'; process: ProcessRef }
  | { kind: 'sysctl'; key: string; value: string }
  /** A VXLAN device of an overlay network (src/plan/overlay-steps.ts). */
  | { kind: 'vxlan'; name: string; vni: number; local: string; master: string; mtu: number }
  /** A VXLAN port in the overlay filter set. */
  | { kind: 'overlay-filter'; port?: string }
  /** A qdisc on a device (bandwidth): its root or its ingress. */
  | { kind: 'qdisc'; dev: string; parent: 'root' | 'ingress'; qdisc: string }
  /** An htb class (a floor, or 1:2 of a network bridge) with its rate in bit/s. */
  | { kind: 'tc-class'; dev: string; classid: string; rate: number };

/** A difference between the host and the definition: why a reconcile plan has a step, or what it cannot fix. */
export interface DriftProblem {
  what: string;
  expected?: string;
  actual?: string;
}

export interface Step {
  /** Stable identity: `link:virbr0`, `nft:net:virbr0`, `file:/…/default.conf`, `dnsmasq:default`, `port:UUID`. */
  id: string;
  /** What a person reads: "create bridge virbr0". */
  title: string;
  do: Action[];
  /** Run in order when a later step fails (the whole plan unwinds in reverse). */
  undo: Action[];
  /** Steps this one depends on: it starts after them, and is planned again whenever they are. */
  after?: string[];
  /** Steps that must be done before this one starts, without it being replanned when they change. */
  waitFor?: string[];
  /** May run while earlier steps still run (it still waits for `after` and `waitFor`). Measured faster. */
  parallel?: boolean;
  provides?: Resource[];
  removes?: Resource[];
  /** In reconcile plans: what differs on the host, i.e. why the step is there. */
  drift?: DriftProblem[];
}

/** Something that makes a change impossible, named by the step it stops (start refuses, dry runs warn). */
export interface Blocker {
  step: string;
  message: string;
  /** libvirt's code where it has its own words for the refusal (else: a conflict with the host's state). */
  code?: 'INTERNAL_ERROR';
}

export interface Plan {
  steps: Step[];
  blockers: Blocker[];
  /** Drift the plan cannot fix (another table's drop policy, a port whose namespace is gone). */
  problems: DriftProblem[];
  /** Worth saying before the change (a dry run shows them). */
  warnings: string[];
}

export function emptyPlanOf(): Plan {
  return { steps: [], blockers: [], problems: [], warnings: [] };
}

/** Drift report of a reconcile plan: what each step is there to fix, then what no step can fix. */
export function driftOf(plan: Plan): DriftProblem[] {
  return [...plan.steps.flatMap((s) => s.drift ?? []), ...plan.problems];
}
