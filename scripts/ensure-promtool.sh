#!/usr/bin/env bash
# promtool (Debian's prometheus package) for the alert-rule tests.
set -euo pipefail
if command -v promtool >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "promtool is missing: run 'sudo apt-get install -y prometheus' once." >&2
  exit 1
fi
apt-get -o DPkg::Lock::Timeout=300 update -qq
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq prometheus >/dev/null
# The package starts its server (port 9090) where the init system lets it; only the
# command-line tool is wanted here.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
  systemctl disable --now --quiet prometheus
elif [ -x /etc/init.d/prometheus ] && /etc/init.d/prometheus status >/dev/null 2>&1; then
  /etc/init.d/prometheus stop >/dev/null
fi
promtool --version | head -1
