// Which traffic-control parts this kernel has (built in, or a module tc can load): read once from the kernel's
// config (/proc/config.gz, /boot/config-RELEASE) or its module lists. Bandwidth plans pick their commands from
// it: tc police (act_police) where it exists, else an ifb device fed by act_mirred.

import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { ALL_TC_FEATURES, type TcFeatures } from '../plan/tc-features.js';

/** Kernel config symbol and module name of each feature. */
const PARTS: Record<keyof TcFeatures, [string, string]> = {
  htb: ['NET_SCH_HTB', 'sch_htb'],
  ingress: ['NET_SCH_INGRESS', 'sch_ingress'],
  sfq: ['NET_SCH_SFQ', 'sch_sfq'],
  fqCodel: ['NET_SCH_FQ_CODEL', 'sch_fq_codel'],
  u32: ['NET_CLS_U32', 'cls_u32'],
  bpf: ['NET_CLS_BPF', 'cls_bpf'],
  police: ['NET_ACT_POLICE', 'act_police'],
  mirred: ['NET_ACT_MIRRED', 'act_mirred'],
  ifb: ['IFB', 'ifb'],
};

function readText(path: string, gz = false): string | undefined {
  try {
    const b = readFileSync(path);
    return gz ? gunzipSync(b).toString() : b.toString();
  } catch {
    return undefined;
  }
}

/** Features from a kernel config text (`CONFIG_X=y|m`). */
export function featuresFromConfig(config: string): TcFeatures {
  const on = new Set(
    config
      .split('\n')
      .map((l) => /^CONFIG_(\w+)=[ym]$/.exec(l)?.[1])
      .filter((x): x is string => x !== undefined),
  );
  const out = {} as TcFeatures;
  for (const [k, [sym]] of Object.entries(PARTS)) out[k as keyof TcFeatures] = on.has(sym);
  return out;
}

/** Features from modules.builtin + modules.dep (paths ending in NAME.ko[.xz|.zst|.gz]). */
export function featuresFromModules(lists: string): TcFeatures {
  const names = new Set(
    lists
      .split('\n')
      .map((l) => /([\w-]+)\.ko(?:\.\w+)?:?(?:\s|$)/.exec(l)?.[1]?.replace(/-/g, '_'))
      .filter((x): x is string => x !== undefined),
  );
  const out = {} as TcFeatures;
  for (const [k, [, mod]] of Object.entries(PARTS)) out[k as keyof TcFeatures] = names.has(mod);
  return out;
}

let cached: TcFeatures | undefined;

/** This kernel's features; when nothing says, everything (what libvirt assumes). */
export function kernelTcFeatures(): TcFeatures {
  if (cached) return cached;
  const rel = release();
  const config = readText('/proc/config.gz', true) ?? readText(`/boot/config-${rel}`);
  if (config) cached = featuresFromConfig(config);
  else {
    const lists = [`/lib/modules/${rel}/modules.builtin`, `/lib/modules/${rel}/modules.dep`]
      .map((p) => readText(p))
      .filter((x) => x !== undefined)
      .join('\n');
    cached = lists ? featuresFromModules(lists) : { ...ALL_TC_FEATURES };
  }
  return cached;
}
