#!/bin/sh
# Test OS user-data: there is no cloud-init, the OS runs this script. It records rendered values in a marker file
# and reports them back to the appliance (busybox wget; values URL-encoded so '+' and spaces survive).
set -u
DIR='/var/lib/provisioner'
MARKER="$DIR/user-data.done"
mkdir -p "$DIR"
printf 'hostname=%s\nfqdn=%s\nip=%s\nmac=%s\nprofile=%s\nbpod=%s\nzone=%s\n' \
  'dc1-r04-01' 'dc1-r04-01.dc1.example.net' '10.78.4.21' '52:54:00:77:00:01' \
  'k8s-control-plane' 'r04' 'dc1' > "$MARKER"
URL='http://10.0.0.10:8080/api/agent/callback?token=bt-l3-bios-control-plane-0123456789abcdef&event=user-data&hostname=dc1-r04-01&ip=10.78.4.21&mac=52%3A54%3A00%3A77%3A00%3A01&profile=k8s-control-plane'
i=0
while [ "$i" -lt 5 ]; do
  if timeout 30 wget -q -O /dev/null "$URL"; then
    echo "PROVISIONER-USERDATA callback ok"
    exit 0
  fi
  i=$((i + 1))
  sleep 2
done
echo "PROVISIONER-USERDATA callback failed" >&2
exit 1
