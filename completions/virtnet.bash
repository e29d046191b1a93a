# bash completion for virtnet: commands, each command's options, and network, filter and binding names from the daemon.
_virtnet() {
  local cur prev words cword
  _init_completion 2>/dev/null || {
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    words=("${COMP_WORDS[@]}")
    cword=$COMP_CWORD
  }
  local commands="attach-interface define-guest detach-interface doctor domifaddr domiflist dumpxml help import-libvirt net-autostart net-create net-define net-destroy net-dhcp-leases net-dumpxml net-edit net-event net-forward-add net-forward-delete net-forward-list net-info net-list net-name net-overlay-info net-port-create net-port-delete net-port-dumpxml net-port-list net-start net-undefine net-update net-uuid netmode nwfilter-binding-create nwfilter-binding-delete nwfilter-binding-dumpxml nwfilter-binding-list nwfilter-define nwfilter-dumpxml nwfilter-edit nwfilter-list nwfilter-undefine port-add qemu-ifdown qemu-ifup"
  local global=(-c --connect -r --readonly -q --quiet -v --version -h --help)
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
  local opts="" nets=no files=no filters=no bindings=no
  case $cmd in
    attach-interface) opts="--domain --type --source --target --mac --script --model --alias --inbound --outbound --persistent --config --live --current --print-xml --managed --source-mode --json" ;;
    define-guest) opts="--file --json"; files=yes ;;
    detach-interface) opts="--domain --type --mac --persistent --config --live --current --print-xml --json" ;;
    doctor) opts="--json" ;;
    domifaddr) opts="--domain --interface --full --source --json" ;;
    domiflist) opts="--domain --inactive --json" ;;
    dumpxml) opts="--domain --inactive --json" ;;
    import-libvirt) opts="--dir --takeover --libvirt-uri --dry-run --json" ;;
    net-autostart) opts="--network --disable --json"; nets=yes ;;
    net-create) opts="--file --validate --dry-run --json"; files=yes ;;
    net-define) opts="--file --validate --dry-run --json"; files=yes ;;
    net-destroy) opts="--network --dry-run --json"; nets=yes ;;
    net-dhcp-leases) opts="--network --mac --json"; nets=yes ;;
    net-dumpxml) opts="--network --inactive --xpath --wrap --json"; nets=yes ;;
    net-edit) opts="--network --json"; nets=yes ;;
    net-event) opts="--network --event --loop --timeout --list --timestamp --all --json" ;;
    net-forward-add) opts="--network --proto --listen-port --listen-address --target --description --dry-run --json"; nets=yes ;;
    net-forward-delete) opts="--network --proto --listen-port --listen-address --dry-run --json"; nets=yes ;;
    net-forward-list) opts="--network --json"; nets=yes ;;
    net-overlay-info) opts="--network --json"; nets=yes ;;
    net-info) opts="--network --json"; nets=yes ;;
    net-list) opts="--inactive --all --persistent --transient --autostart --no-autostart --uuid --name --table --json" ;;
    net-name) opts="--network --json"; nets=yes ;;
    net-port-create) opts="--network --file --validate --json"; nets=yes ;;
    net-port-delete) opts="--network --port --json"; nets=yes ;;
    net-port-dumpxml) opts="--network --port --xpath --wrap --json"; nets=yes ;;
    net-port-list) opts="--network --uuid --table --json"; nets=yes ;;
    net-start) opts="--network --repair --dry-run --json"; nets=yes ;;
    net-undefine) opts="--network --dry-run --json"; nets=yes ;;
    net-update) opts="--network --command --section --xml --parent-index --config --live --current --json"; nets=yes ;;
    net-uuid) opts="--network --json"; nets=yes ;;
    netmode) opts="--name --libvirt-xml --json"; nets=yes ;;
    nwfilter-binding-create) opts="--file --validate --json"; files=yes ;;
    nwfilter-binding-delete) opts="--binding --json"; bindings=yes ;;
    nwfilter-binding-dumpxml) opts="--binding --xpath --wrap --json"; bindings=yes ;;
    nwfilter-binding-list) opts="--json" ;;
    nwfilter-define) opts="--file --validate --json"; files=yes ;;
    nwfilter-dumpxml) opts="--nwfilter --xpath --wrap --json"; filters=yes ;;
    nwfilter-edit) opts="--nwfilter --json"; filters=yes ;;
    nwfilter-list) opts="--json" ;;
    nwfilter-undefine) opts="--nwfilter --json"; filters=yes ;;
    port-add) opts="--network --owner --tap --netns --mac --ip --uid --portgroup --filter --filter-param --macvtap --inbound --outbound --json"; nets=yes ;;
    qemu-ifdown) opts="--tap --json" ;;
    qemu-ifup) opts="--tap --json" ;;
    help) COMPREPLY=($(compgen -W "$commands network filter domain virtnet" -- "$cur")); return ;;
  esac
  case $prev in
    --network) COMPREPLY=($(compgen -W "$(virtnet "${conn[@]}" -q net-list --all --name 2>/dev/null)" -- "$cur")); return ;;
    --event) COMPREPLY=($(compgen -W "lifecycle lease updated repaired failed" -- "$cur")); return ;;
    --file | --libvirt-xml) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --dir) COMPREPLY=($(compgen -d -- "$cur")); return ;;
    --proto) COMPREPLY=($(compgen -W "tcp udp both" -- "$cur")); return ;;
    --mac | --timeout | --filter-param) return ;;
    --filter | --nwfilter) COMPREPLY=($(compgen -W "$(virtnet "${conn[@]}" -q nwfilter-list 2>/dev/null | awk '{print $2}')" -- "$cur")); return ;;
    --binding) COMPREPLY=($(compgen -W "$(virtnet "${conn[@]}" -q nwfilter-binding-list 2>/dev/null | awk '{print $1}')" -- "$cur")); return ;;
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  elif [[ $nets == yes ]]; then
    COMPREPLY=($(compgen -W "$(virtnet "${conn[@]}" -q net-list --all --name 2>/dev/null)" -- "$cur"))
  elif [[ $files == yes ]]; then
    COMPREPLY=($(compgen -f -- "$cur"))
  elif [[ $filters == yes ]]; then
    COMPREPLY=($(compgen -W "$(virtnet "${conn[@]}" -q nwfilter-list 2>/dev/null | awk '{print $2}')" -- "$cur"))
  elif [[ $bindings == yes ]]; then
    COMPREPLY=($(compgen -W "$(virtnet "${conn[@]}" -q nwfilter-binding-list 2>/dev/null | awk '{print $1}')" -- "$cur"))
  fi
}
complete -F _virtnet virtnet
