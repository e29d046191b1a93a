# bash completion for virtnet: commands, each command's options, and network names from the daemon.
_virtnet() {
  local cur prev words cword
  _init_completion 2>/dev/null || {
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    words=("${COMP_WORDS[@]}")
    cword=$COMP_CWORD
  }
  local commands="attach-interface define-guest detach-interface doctor domifaddr domiflist dumpxml help net-autostart net-create net-define net-destroy net-dhcp-leases net-dumpxml net-edit net-event net-forward-add net-forward-delete net-forward-list net-info net-list net-name net-overlay-info net-port-create net-port-delete net-port-dumpxml net-port-list net-start net-undefine net-update net-uuid netmode port-add qemu-ifdown qemu-ifup"
  local global=(-c --connect -r --readonly -q --quiet -h --help)
  local i cmd="" conn=()
  for ((i = 1; i < cword; i++)); do
    case ${words[i]} in
      -c | --connect) conn=(-c "${words[i+1]}"); ((i++)) ;;
      -r | --readonly | -q | --quiet) ;;
      -*) ;;
      *) cmd=${words[i]}; break ;;
    esac
  done
  if [[ -z $cmd ]]; then
    if [[ $prev == -c || $prev == --connect ]]; then
      COMPREPLY=($(compgen -W "unix:/run/virtnet/virtnet.sock" -- "$cur"))
    elif [[ $cur == -* ]]; then
      COMPREPLY=($(compgen -W "${global[*]}" -- "$cur"))
    else
      COMPREPLY=($(compgen -W "$commands" -- "$cur"))
    fi
    return
  fi
  local opts="" nets=no files=no
  case $cmd in
    doctor) opts="--json" ;;
    net-list) opts="--inactive --all --persistent --transient --autostart --no-autostart --uuid --name --table --json" ;;
    net-info | net-uuid | net-name) opts="--network --json"; nets=yes ;;
    net-dumpxml) opts="--network --inactive --json"; nets=yes ;;
    net-autostart) opts="--network --disable"; nets=yes ;;
    net-start) opts="--network --repair --dry-run"; nets=yes ;;
    net-destroy | net-undefine) opts="--network --dry-run"; nets=yes ;;
    net-edit) opts="--network"; nets=yes ;;
    net-forward-add) opts="--proto --listen-port --listen-address --target --description --dry-run --json"; nets=yes ;;
    net-forward-delete) opts="--proto --listen-port --listen-address --dry-run --json"; nets=yes ;;
    net-forward-list | net-port-list | net-overlay-info) opts="--json"; nets=yes ;;
    net-port-create) opts="--network --file --json"; nets=yes ;;
    net-port-dumpxml | net-port-delete) opts="--network --port --json"; nets=yes ;;
    net-update) opts="--network --command --section --xml --parent-index --config --live --current"; nets=yes ;;
    port-add) opts="--owner --tap --netns --mac --ip --uid --portgroup --json"; nets=yes ;;
    domiflist | domifaddr | dumpxml) opts="--domain --json" ;;
    attach-interface) opts="--domain --type --source --target --mac --model --print-xml" ;;
    detach-interface) opts="--domain --type --mac" ;;
    define-guest) opts="--file"; files=yes ;;
    netmode) opts="--libvirt-xml --json"; nets=yes ;;
    net-dhcp-leases) opts="--network --mac --json"; nets=yes ;;
    net-define | net-create) opts="--file --validate --dry-run --json"; files=yes ;;
    net-event) opts="--network --event --loop --timeout --list --timestamp --json" ;;
    help) COMPREPLY=($(compgen -W "$commands" -- "$cur")); return ;;
  esac
  case $prev in
    --network) COMPREPLY=($(compgen -W "$(virtnet "${conn[@]}" -q net-list --all --name 2>/dev/null)" -- "$cur")); return ;;
    --event) COMPREPLY=($(compgen -W "lifecycle" -- "$cur")); return ;;
    --file | --libvirt-xml) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --proto) COMPREPLY=($(compgen -W "tcp udp both" -- "$cur")); return ;;
    --mac | --timeout) return ;;
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  elif [[ $nets == yes ]]; then
    COMPREPLY=($(compgen -W "$(virtnet "${conn[@]}" -q net-list --all --name 2>/dev/null)" -- "$cur"))
  elif [[ $files == yes ]]; then
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -F _virtnet virtnet
