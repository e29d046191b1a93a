// virtnetd's overlay flags as an OverlayConfig, checked against this host's addresses before anything starts
// (a wrong address or a peer list naming this host stops virtnetd with the reason, and nothing is changed).

import { hostIPv4Addresses } from '../host/overlay-host.js';
import { isVirtError } from '../model/errors.js';
import { type OverlayConfig, parseOverlayConfig } from '../model/overlay-config.js';

/** The config, undefined without --overlay-address, or the error to print. `memory`: any address is "ours". */
export function overlayFromFlags(
  values: { 'overlay-address'?: string; 'overlay-peers'?: string; 'overlay-asn'?: string },
  memory: boolean,
): OverlayConfig | undefined | Error {
  const address = values['overlay-address'];
  const hostAddresses =
    memory || address === undefined ? [address ?? ''] : hostIPv4Addresses().map((a) => a.address);
  try {
    return parseOverlayConfig(
      {
        ...(address !== undefined ? { address } : {}),
        ...(values['overlay-peers'] !== undefined ? { peers: values['overlay-peers'] } : {}),
        ...(values['overlay-asn'] !== undefined ? { asn: values['overlay-asn'] } : {}),
      },
      hostAddresses,
    );
  } catch (e) {
    return new Error(isVirtError(e) ? e.detail : (e as Error).message);
  }
}
