# Shell helpers shared by scripts/conference-demo.sh and
# tests/docs/check-launch-lines.sh: test certificates made with openssl and
# free UDP ports. Source it from bash; the caller defines die ().

mikey_openssl () {
  local out
  out=$(openssl "$@" 2>&1) || { echo "$out" >&2; die "openssl $1 failed"; }
}

# mikey_make_ca DIR CN: a CA in DIR/ca.{key,pem}, valid for a day
mikey_make_ca () {
  mikey_openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1/ca.key" \
    -out "$1/ca.pem" -days 1 -subj "/CN=$2" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign"
}

# mikey_make_cert DIR NAME IDENTITY: DIR/NAME.{key,pem} signed by DIR's CA,
# the identity as subjectAltName URI (what the elements take by default)
mikey_cert_serial=1
mikey_make_cert () {
  local dir=$1 name=$2 identity=$3
  mikey_openssl req -new -newkey rsa:2048 -nodes -keyout "$dir/$name.key" \
    -out "$dir/$name.csr" -subj "/CN=$name"
  printf '%s\n' "subjectAltName=URI:$identity" \
    "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature,keyEncipherment" >"$dir/$name.ext"
  mikey_cert_serial=$((mikey_cert_serial + 1))
  mikey_openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.pem" \
    -CAkey "$dir/ca.key" -set_serial "$mikey_cert_serial" -days 1 \
    -extfile "$dir/$name.ext" -out "$dir/$name.pem"
  rm -f "$dir/$name.csr" "$dir/$name.ext"
}

# UDP ports in use now, one per line
mikey_used_ports () {
  local _sl local_addr _rest
  cat /proc/net/udp /proc/net/udp6 2>/dev/null \
    | while read -r _sl local_addr _rest; do
        case $local_addr in
          *:*) echo $((16#${local_addr##*:})) ;;
        esac
      done
}

mikey_port_in_use () {
  case " $(mikey_used_ports | tr '\n' ' ') " in *" $1 "*) return 0 ;; esac
  return 1
}

# mikey_free_port VAR: a UDP port below the ephemeral range (no socket bound
# to port 0 takes it meanwhile), unused now and not given before in this run
read -r mikey_eph_low _ </proc/sys/net/ipv4/ip_local_port_range
mikey_port_low=20000
mikey_port_high=$((mikey_eph_low > 21000 ? mikey_eph_low - 1 : 29999))
mikey_given_ports=" "
mikey_free_port () {
  # locals named apart from any variable a caller may pass as VAR
  local -n mikey_port_out=$1
  local mikey_p mikey_tries=0 mikey_used
  mikey_used=" $(mikey_used_ports | tr '\n' ' ') "
  while :; do
    mikey_p=$((mikey_port_low + (RANDOM * 32768 + RANDOM)
        % (mikey_port_high - mikey_port_low + 1)))
    case "$mikey_used$mikey_given_ports" in
      *" $mikey_p "*) ;;
      *) mikey_given_ports+="$mikey_p "; mikey_port_out=$mikey_p; return ;;
    esac
    mikey_tries=$((mikey_tries + 1))
    [ "$mikey_tries" -lt 1000 ] || die "no free UDP port"
  done
}
