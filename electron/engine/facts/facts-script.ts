// The facts probe: one POSIX sh script, one round-trip, read-only. It runs on production hosts, so it
// never writes (no temp files, no package database refresh), needs nothing but a POSIX shell and the
// base system's tools (no python), and redacts secret-looking environment values on the host, so they
// never cross the wire.

import { shq } from '../sh-command.js';

/** Variable names whose values are never read out: the same rule on the host and in Prodlike. */
export const SECRET_NAME = /PASS|SECRET|TOKEN|KEY|CREDENTIAL|PRIVATE|AUTH|CERT|SALT|SESSION|COOKIE|DSN/i;
const SECRET_CASE = '*PASS*|*SECRET*|*TOKEN*|*KEY*|*CREDENTIAL*|*PRIVATE*|*AUTH*|*CERT*|*SALT*|*SESSION*|*COOKIE*|*DSN*';

// Sections start with `@@name`; data lines are tab-separated. Tools that are missing or fail print
// nothing, and the parser treats an empty section as "none found".
const BODY = `
export LC_ALL=C
PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH"
has() { command -v "$1" >/dev/null 2>&1; }
TAB=$(printf '\\t')

echo "@@system"
echo "kernel_name=$(uname -s)"
echo "arch=$(uname -m)"
echo "kernel=$(uname -r)"
if [ "$(uname -s)" != Linux ]; then exit 0; fi

echo "@@os-release"
cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release 2>/dev/null

echo "@@packages"
if has dpkg-query; then
  echo "manager=dpkg"
  dpkg-query -W -f='\${db:Status-Abbrev}\\t\${Package}\\t\${Architecture}\\t\${Version}\\n' 2>/dev/null
elif has rpm; then
  echo "manager=rpm"
  rpm -qa --qf '%{NAME}\\t%{ARCH}\\t%{EPOCH}\\t%{VERSION}-%{RELEASE}\\n' 2>/dev/null
elif has apk; then
  echo "manager=apk"
  apk info -v 2>/dev/null
else
  echo "manager=none"
fi

echo "@@passwd"
getent passwd 2>/dev/null || cat /etc/passwd 2>/dev/null
echo "@@group"
getent group 2>/dev/null || cat /etc/group 2>/dev/null

if [ -d /run/systemd/system ] && has systemctl; then
  echo "@@systemd-units"
  systemctl list-units --type=service --all --no-legend --no-pager --plain 2>/dev/null
  echo "@@systemd-unit-files"
  systemctl list-unit-files --type=service --no-legend --no-pager 2>/dev/null
elif [ -d /etc/init.d ]; then
  # LSB: "status" exits 0 running, 1-3 not running. Boot-time helpers (*.sh, rc, ...) are skipped.
  echo "@@sysv-services"
  for s in /etc/init.d/*; do
    n=\${s##*/}
    case "$n" in README|skeleton|rc|rcS|rc.local|functions|halt|reboot|single|killprocs|sendsigs|*.sh) continue;; esac
    [ -f "$s" ] && [ -x "$s" ] || continue
    if has timeout; then timeout 5 "$s" status >/dev/null 2>&1 </dev/null; else "$s" status >/dev/null 2>&1 </dev/null; fi
    rc=$?
    en=no
    for l in /etc/rc2.d/S??"$n" /etc/rc3.d/S??"$n" /etc/runlevels/default/"$n"; do [ -e "$l" ] && en=yes; done
    printf '%s\\t%s\\t%s\\n' "$n" "$rc" "$en"
  done
fi

echo "@@ports"
if has ss; then
  echo "tool=ss"
  ss -ltnu 2>/dev/null
elif has netstat; then
  echo "tool=netstat"
  netstat -ltnu 2>/dev/null
else
  echo "tool=proc"
  for f in tcp tcp6 udp udp6; do [ -r /proc/net/$f ] && sed "s/^/$f /" /proc/net/$f; done
fi

echo "@@environment"
if [ -r /etc/environment ]; then
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in ''|'#'*) continue;; esac
    line=\${line#export }
    name=\${line%%=*}
    [ "$name" = "$line" ] && continue
    upper=$(printf '%s' "$name" | tr '[:lower:]' '[:upper:]')
    case "$upper" in
      ${SECRET_CASE}) printf '%s=<redacted>\\n' "$name" ;;
      *) case "\${line#*=}" in
           *://*:*@*) printf '%s=<redacted>\\n' "$name" ;;
           *) printf '%s\\n' "$line" ;;
         esac ;;
    esac
  done < /etc/environment
fi

# Paths: one lstat of them all and one sha256sum of the regular files (a stat, a sha256sum and a cut
# per path were most of the probe's CPU on the host), a readlink per symlink only. Hosts without stat
# or sha256sum get the loop, one path at a time.
if [ $# -gt 0 ] && has stat && has sha256sum; then
  echo "@@path-stat"
  stat -c "%F$TAB%a$TAB%U$TAB%G$TAB%n" -- "$@" 2>/dev/null
  echo "@@path-link"
  for p in "$@"; do if [ -L "$p" ]; then printf '%s\\t%s\\n' "$p" "$(readlink "$p")"; fi; done
  echo "@@path-sha"
  n=$#
  for p in "$@"; do if [ -f "$p" ] && [ ! -L "$p" ]; then set -- "$@" "$p"; fi; done
  shift $n
  if [ $# -gt 0 ]; then sha256sum -- "$@" 2>/dev/null; fi
else
  echo "@@paths"
  for p in "$@"; do
    if [ -L "$p" ]; then t=symlink; x=$(readlink "$p")
    elif [ -f "$p" ]; then t=file; x=$({ sha256sum < "$p"; } 2>/dev/null | cut -c1-64); [ -n "$x" ] || x='!unreadable'
    elif [ -d "$p" ]; then t=directory; x=
    elif [ -e "$p" ]; then t=other; x=
    else printf 'absent\\t\\t\\t\\t\\t%s\\n' "$p"; continue
    fi
    m=$(stat -c "%a$TAB%U$TAB%G" "$p" 2>/dev/null) || m="$TAB$TAB"
    printf '%s\\t%s\\t%s\\t%s\\n' "$t" "$m" "$x" "$p"
  done
fi
echo "@@end"
`;

/** The probe for these paths: `set --` makes them the script's arguments, safely quoted. */
export function probeScript(paths: string[]): string {
  for (const p of paths) {
    if (/[\n\t]/.test(p)) throw new Error(`cannot probe a path with a tab or newline in it: ${JSON.stringify(p)}`);
  }
  const args = paths.length ? `set -- ${paths.map(shq).join(' ')}` : 'set --';
  return `${args}\n${BODY}`;
}
