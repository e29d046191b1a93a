#!/bin/busybox sh
# udhcpc event script for the sandbox's demo guests: apply the lease.
case "$1" in
  bound|renew)
    /bin/busybox ip addr flush dev "$interface"
    /bin/busybox ip addr add "$ip/${mask:-24}" dev "$interface"
    [ -n "$router" ] && /bin/busybox ip route replace default via "${router%% *}" dev "$interface"
    ;;
esac
exit 0
