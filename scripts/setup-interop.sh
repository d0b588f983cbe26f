#!/usr/bin/env bash
# Makes sure the real peers of the interop suite run on loopback, installing them with apt when
# missing. Idempotent; safe to run before every `npm run test:interop`.
#   PostgreSQL  127.0.0.1:5432, database "test", trust auth for the current user
#   Radicale    binary only (the calendar test runs its own on a free loopback port)
#   NATS        127.0.0.1:4222 with JetStream (the cluster bus); cluster tests start private ones
#   MariaDB     127.0.0.1:3306, root without password, database "test" (SQL directory source)
#   HAProxy     binary only (cluster tests start their own on free loopback ports)
#   slapd       binaries only (directory tests start their own on a free loopback port)
#   Chromium    /usr/bin/chromium from Debian (the web app's browser tests drive it headless)
#   SIP peers   sipp, Kamailio (+ presence, websocket, tls modules), baresip, linphone, sipvicious,
#               sox, espeak-ng, coturn's STUN client: binaries only (test/interop/support/sip-peers.ts starts its own);
#               python3 (the CSTA client written from the ECMA texts, test/interop/support/csta_client.py)
#   XMPP peers  Prosody (+ lua-unbound), ejabberd, python3-slixmpp, dnsmasq: binaries only
#               (test/interop/support/xmpp-peers.ts runs its own in a network namespace per run;
#               the packages' daemons on 5222/5269, epmd on 4369 and dnsmasq on 53 are stopped)
set -euo pipefail

log() { printf 'setup-interop: %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=
apt_install() {
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

pg_ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }

ensure_postgres() {
  if ! command -v pg_isready >/dev/null; then
    log 'installing PostgreSQL'
    apt_install postgresql
  fi
  if ! pg_ready; then
    local version
    version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
    [ -n "$version" ] || { log 'no PostgreSQL cluster found'; exit 1; }
    log "starting PostgreSQL $version"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    for _ in $(seq 1 30); do pg_ready && break; sleep 1; done
  fi
  pg_ready || { log 'PostgreSQL did not come up on 127.0.0.1:5432'; exit 1; }
  local me
  me=$(id -un)
  if ! psql -h 127.0.0.1 -d test -c 'select 1' >/dev/null 2>&1; then
    log "creating role $me and database test"
    as_root su postgres -c "psql -q -c \"do \\\$\\\$ begin if not exists (select from pg_roles where rolname = '$me') then create role \\\"$me\\\" login superuser; end if; end \\\$\\\$\"" || true
    as_root su postgres -c "createdb -O '$me' test" 2>/dev/null || true
  fi
  psql -h 127.0.0.1 -d test -c 'select 1' >/dev/null
  log 'PostgreSQL ready on 127.0.0.1:5432'
}

# Radicale (CalDAV): only the binary is needed; test/interop/calendar-radicale.test.ts starts its
# own instance on a free loopback port with a throwaway config. Stop any daemon the package starts.
ensure_radicale() {
  if ! command -v radicale >/dev/null; then
    log 'installing Radicale'
    apt_install radicale
    as_root sh -c 'systemctl stop radicale 2>/dev/null; service radicale stop 2>/dev/null; true' >/dev/null 2>&1 || true
  fi
  radicale --version >/dev/null
  log "Radicale $(radicale --version) available"
}

# NATS with JetStream on 127.0.0.1:4222 (test/interop/bus-nats.test.ts), run as a plain daemon.
nats_ready() { timeout 1 bash -c '</dev/tcp/127.0.0.1/4222' 2>/dev/null; }

ensure_nats() {
  if ! [ -x /usr/sbin/nats-server ]; then
    log 'installing nats-server'
    apt_install nats-server
    as_root sh -c 'systemctl stop nats-server 2>/dev/null; service nats-server stop 2>/dev/null; true' >/dev/null 2>&1 || true
  fi
  if ! nats_ready; then
    log 'starting nats-server'
    as_root mkdir -p /var/lib/nats-server
    as_root start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
      -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
    for _ in $(seq 1 30); do nats_ready && break; sleep 1; done
  fi
  nats_ready || { log 'NATS did not come up on 127.0.0.1:4222'; exit 1; }
  log 'NATS ready on 127.0.0.1:4222'
}

# HAProxy: only the binary is needed; test/support/cluster.ts renders docs/deploy/haproxy.cfg and
# runs its own instance in the foreground on free loopback ports. Stop any daemon the package starts.
ensure_haproxy() {
  if ! [ -x /usr/sbin/haproxy ]; then
    log 'installing HAProxy'
    apt_install haproxy
    as_root sh -c 'systemctl stop haproxy 2>/dev/null; systemctl disable haproxy 2>/dev/null; service haproxy stop 2>/dev/null; true' >/dev/null 2>&1 || true
    if [ -s /run/haproxy.pid ]; then
      as_root kill "$(cat /run/haproxy.pid)" 2>/dev/null || true
      as_root rm -f /run/haproxy.pid
    fi
  fi
  log "$(/usr/sbin/haproxy -v | sed -n 1p) available"
}

# OpenLDAP (slapd + ldap-utils): only the binaries are needed; test/support/slapd.ts runs its own
# slapd with a throwaway slapd.conf on a free loopback port. The package would ask for an admin
# password and start a daemon with a database under /var/lib/ldap: preseed debconf to skip the
# initial configuration, then stop and disable whatever daemon it started.
ensure_slapd() {
  if ! [ -x /usr/sbin/slapd ] || ! [ -x /usr/sbin/slapadd ] || ! command -v ldapmodify >/dev/null; then
    log 'installing slapd and ldap-utils'
    if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
    printf '%s\n' \
      'slapd slapd/no_configuration boolean true' \
      'slapd slapd/internal/generated_adminpw password' \
      'slapd slapd/internal/adminpw password' \
      'slapd slapd/password1 password' \
      'slapd slapd/password2 password' |
      as_root debconf-set-selections
    apt_install slapd ldap-utils
    as_root sh -c 'systemctl stop slapd 2>/dev/null; systemctl disable slapd 2>/dev/null; service slapd stop 2>/dev/null; true' >/dev/null 2>&1 || true
    if [ -s /run/slapd/slapd.pid ]; then
      as_root kill "$(cat /run/slapd/slapd.pid)" 2>/dev/null || true
      as_root rm -f /run/slapd/slapd.pid
    fi
  fi
  # python-ldap: a second LDAP client (beside ldapsearch) for Parley's own LDAP server (interop/ldap-server.test.ts).
  if ! /usr/bin/python3 -c 'import ldap' 2>/dev/null; then
    log 'installing python3-ldap'
    if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
    apt_install python3-ldap
  fi
  log "$(/usr/sbin/slapd -VV 2>&1 | sed -n 's/^.*\(slapd [0-9][0-9.]*\).*$/\1/p' | head -n 1), python-ldap $(/usr/bin/python3 -c 'import ldap; print(ldap.__version__)') available"
}

# MariaDB: the SQL directory source's interop test uses 127.0.0.1:3306, root without password,
# database test (as the machine provides it).
ensure_mariadb() {
  if ! command -v mariadb-admin >/dev/null && ! command -v mysqladmin >/dev/null; then
    log 'installing MariaDB'
    apt_install mariadb-server
  fi
  local admin
  admin=$(command -v mariadb-admin || command -v mysqladmin)
  if ! "$admin" -h 127.0.0.1 -u root ping >/dev/null 2>&1; then
    log 'starting MariaDB'
    as_root start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd >/dev/null 2>&1 || true
    for _ in $(seq 1 30); do "$admin" -h 127.0.0.1 -u root ping >/dev/null 2>&1 && break; sleep 1; done
  fi
  "$admin" -h 127.0.0.1 -u root ping >/dev/null 2>&1 || { log 'MariaDB did not come up on 127.0.0.1:3306'; exit 1; }
  mariadb -h 127.0.0.1 -u root -e 'create database if not exists test' 2>/dev/null || true
  log 'MariaDB ready on 127.0.0.1:3306'
}

# Chromium: packages/web/test/interop drives Debian's /usr/bin/chromium with playwright-core. Only
# Debian's package: a browser is never downloaded.
ensure_chromium() {
  if ! [ -x /usr/bin/chromium ]; then
    log 'installing Chromium'
    apt_install chromium
  fi
  log "$(/usr/bin/chromium --version 2>/dev/null | head -n 1) available"
}

# SIP peers (test/interop/sip-*.test.ts, bench/sip.ts): binaries only. Kamailio's package would
# start a daemon on 5060 (coturn's on 3478): stop and disable them. baresip-core without the GUI recommends (aufile,
# sndfile and ctrl_tcp are in the core package).
ensure_sip_peers() {
  local missing=()
  command -v sipp >/dev/null || missing+=(sip-tester)
  [ -x /usr/sbin/kamailio ] || missing+=(kamailio)
  local mods=/usr/lib/x86_64-linux-gnu/kamailio/modules
  [ -e $mods/presence.so ] || missing+=(kamailio-presence-modules)
  [ -e $mods/websocket.so ] || missing+=(kamailio-websocket-modules)
  [ -e $mods/tls.so ] || missing+=(kamailio-tls-modules)
  command -v baresip >/dev/null || missing+=(baresip-core)
  command -v linphone-daemon >/dev/null || missing+=(linphone-cli)
  command -v svmap >/dev/null || missing+=(sipvicious)
  command -v sox >/dev/null || missing+=(sox)
  command -v python3 >/dev/null || missing+=(python3) # the ECMA-text CSTA client (test/interop/support/csta_client.py)
  command -v espeak-ng >/dev/null || missing+=(espeak-ng)
  command -v turnutils_stunclient >/dev/null || missing+=(coturn)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    as_root sh -c 'for d in kamailio coturn; do systemctl stop $d; systemctl disable $d; service $d stop; done 2>/dev/null; true' >/dev/null 2>&1 || true
    if [ -s /run/kamailio/kamailio.pid ]; then
      as_root kill "$(cat /run/kamailio/kamailio.pid)" 2>/dev/null || true
    fi
  fi
  log "$(sipp -v 2>&1 | grep -o 'SIPp v[0-9.]*[0-9]' | head -n 1) available"
  log "$(/usr/sbin/kamailio -v | sed -n 's/^version: \(kamailio [0-9.]*\).*/\1/p') available"
  log "$(baresip -h 2>&1 | grep -o 'baresip v[0-9.]*' | head -n 1) available"
  log "linphone $(dpkg-query -W -f '${Version}' linphone-cli 2>/dev/null) available"
  log "$(svmap --version 2>&1 | head -n 1), $(sox --version | grep -o 'SoX v[0-9.]*'), espeak-ng $(espeak-ng --version | grep -o '[0-9][0-9.]*' | head -n 1) available"
}

# XMPP peers (test/interop/xmpp-*.test.ts, bench/xmpp.ts): binaries only. Prosody's and
# ejabberd's packages start daemons on 0.0.0.0:5222/5269 (ejabberd also epmd on 4369) and
# dnsmasq's one on port 53 (only dnsmasq-base, which starts none, is installed): stop and disable them, so the namespaces' own peers are the only ones.
stop_xmpp_daemons() {
  as_root sh -c 'for d in prosody ejabberd dnsmasq; do systemctl stop $d; systemctl disable $d; service $d stop; done 2>/dev/null; true' >/dev/null 2>&1 || true
  local pid
  # Only the packages' own users' processes (another epmd, e.g. RabbitMQ's, is left alone).
  for pid in $(pgrep -u prosody 2>/dev/null; pgrep -u ejabberd 2>/dev/null); do
    as_root kill "$pid" 2>/dev/null || true
  done
}

ensure_xmpp_peers() {
  local missing=()
  command -v prosody >/dev/null || missing+=(prosody)
  dpkg-query -W -f '${Status}' lua-unbound 2>/dev/null | grep -q 'ok installed' || missing+=(lua-unbound)
  [ -x /usr/sbin/ejabberdctl ] || missing+=(ejabberd)
  /usr/bin/python3 -c 'import slixmpp' 2>/dev/null || missing+=(python3-slixmpp)
  [ -x /usr/sbin/dnsmasq ] || missing+=(dnsmasq-base)
  command -v ip >/dev/null || missing+=(iproute2)
  command -v taskset >/dev/null || missing+=(util-linux)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    stop_xmpp_daemons
  fi
  log "Prosody $(dpkg-query -W -f '${Version}' prosody), ejabberd $(dpkg-query -W -f '${Version}' ejabberd), slixmpp $(/usr/bin/python3 -c 'import slixmpp; print(slixmpp.__version__)'), $(/usr/sbin/dnsmasq --version | head -n 1 | cut -d' ' -f1-3) available"
}

ensure_postgres
ensure_mariadb
ensure_radicale
ensure_nats
ensure_haproxy
ensure_slapd
ensure_chromium
ensure_sip_peers
ensure_xmpp_peers
