#!/usr/bin/env bash
# A throw-away single-node Slurm cluster, without systemd, for the `slurm`
# test (docs/experiments.md, "Running on Slurm") and for trying
# `simsock sweep --slurm` by hand:
#
#   dir=$(bash tools/slurm_cluster.sh start)   # prints its state directory
#   export SLURM_CONF=$dir/etc/slurm.conf       # (or: . "$dir/env.sh")
#   sbatch ... ; squeue ...
#   bash tools/slurm_cluster.sh status "$dir"
#   bash tools/slurm_cluster.sh stop "$dir"    # stops its daemons, removes $dir
#
# `start [DIR]` installs Debian's slurmctld, slurmd, slurm-client and munge
# if they are missing, writes the configuration into DIR (a new temporary
# directory by default; it must not exist), starts munged, slurmctld and
# slurmd in the foreground mode of each (-D / --foreground) in the
# background, waits until the node is idle and records the daemons' PIDs in
# DIR/pids. `stop DIR` cancels the cluster's jobs, asks slurmctld to shut
# down, then stops exactly the recorded PIDs (TERM, then KILL), reports any
# process still naming DIR, and removes DIR. Nothing outside DIR is
# written (/etc/slurm and /etc/munge are not read or touched, apart from the
# packaged, empty /etc/slurm/plugstack.conf that slurmd reads). The ports
# are free ones picked at start, so that two clusters can run side by side.
# Needs root: the daemons run as root (SlurmUser=root), like munged's key.
set -euo pipefail

log() { printf '[slurm_cluster %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# True if PID runs and is not a zombie.
alive() {
  local s
  [[ -n ${1:-} ]] && s=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) && [[ $s != Z ]]
}

# A TCP port nothing listens on, from a range away from the usual ones.
free_port() {
  local p i
  for ((i = 0; i < 200; i++)); do
    p=$((20000 + RANDOM % 20000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
  die "no free TCP port found"
}

install_packages() {
  local missing=() p
  for p in slurmctld slurmd slurm-client munge; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$p")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

start() {
  local dir=${1:-}
  [[ $(id -u) -eq 0 ]] || die "must run as root (the daemons run as SlurmUser=root)"
  install_packages
  if [[ -z $dir ]]; then
    dir=$(mktemp -d /tmp/simsock-slurm.XXXXXX)
  else
    [[ -e $dir ]] && die "$dir exists (start wants a new directory)"
    mkdir -p "$dir"
  fi
  dir=$(cd "$dir" && pwd)
  chmod 755 "$dir"
  mkdir -p "$dir"/{etc,state,spool,log}
  # munged wants o+x on every directory up to its socket, which DIR's
  # ancestors need not give (a clone under a 0700 mktemp directory): its
  # socket and key live in a directory of their own under /tmp, named in
  # DIR/munge_dir and removed by stop.
  local munge
  munge=$(mktemp -d /tmp/simsock-munge.XXXXXX)
  chmod 755 "$munge"
  echo "$munge" >"$dir/munge_dir"
  local node ctld_port slurmd_port cpus
  node=$(hostname -s)
  ctld_port=$(free_port)
  slurmd_port=$(free_port)
  while [[ $slurmd_port == "$ctld_port" ]]; do slurmd_port=$(free_port); done
  cpus=$(nproc)
  export SLURM_CONF=$dir/etc/slurm.conf
  # proctrack/linuxproc and task/none: no cgroups, no systemd. Scheduling
  # every second: a short array starts at once.
  cat >"$SLURM_CONF" <<CONF
ClusterName=simsock
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$munge/munge.sock
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/log/slurmctld.pid
SlurmdPidFile=$dir/log/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
ReturnToService=2
MailProg=/bin/true
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
  printf 'export SLURM_CONF=%q\n' "$SLURM_CONF" >"$dir/env.sh"
  : >"$dir/pids"

  # A failure from here on stops what started.
  trap 'log "start failed; logs:"; tail -n 20 "$dir"/log/* >&2 2>/dev/null || true; stop "$dir"; exit 1' ERR

  mungekey --create --keyfile="$munge/munge.key"
  munged --foreground --socket="$munge/munge.sock" \
    --key-file="$munge/munge.key" --pid-file="$munge/munged.pid" \
    --seed-file="$munge/munged.seed" --log-file="$dir/log/munged.log" \
    </dev/null >"$dir/log/munged.out" 2>&1 &
  echo "munged $!" >>"$dir/pids"
  local i
  for ((i = 0; i < 100; i++)); do [[ -S $munge/munge.sock ]] && break; sleep 0.05; done
  [[ -S $munge/munge.sock ]] || { log "munged made no socket"; false; }

  slurmctld -D -f "$SLURM_CONF" </dev/null >"$dir/log/slurmctld.out" 2>&1 &
  echo "slurmctld $!" >>"$dir/pids"
  for ((i = 0; i < 200; i++)); do
    [[ $(scontrol ping 2>/dev/null) == *"is UP"* ]] && break; sleep 0.1
  done
  [[ $(scontrol ping 2>&1) == *"is UP"* ]] || { log "slurmctld does not answer"; false; }

  slurmd -D -f "$SLURM_CONF" -N "$node" </dev/null >"$dir/log/slurmd.out" 2>&1 &
  echo "slurmd $!" >>"$dir/pids"
  local state=
  for ((i = 0; i < 300; i++)); do
    state=$(sinfo -h -n "$node" -o %t 2>/dev/null || true)
    [[ $state == idle ]] && break; sleep 0.1
  done
  [[ $state == idle ]] || { log "node $node is '$state', not idle"; false; }
  trap - ERR
  log "cluster up: $(tr '\n' ' ' <"$dir/pids")(ports $ctld_port/$slurmd_port, $cpus CPUs)"
  echo "$dir"
}

# stop_pid PID NAME: TERM, wait up to 5 s, then KILL.
stop_pid() {
  local pid=$1 name=$2 i
  alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do alive "$pid" || return 0; sleep 0.1; done
  log "$name ($pid) ignores SIGTERM: SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 20; i++)); do alive "$pid" || return 0; sleep 0.1; done
}

pid_of() { awk -v n="$2" '$1 == n { print $2 }' "$1/pids" 2>/dev/null; }

stop() {
  local dir=${1:?usage: slurm_cluster.sh stop DIR}
  [[ -f $dir/pids ]] || die "$dir is not a cluster started by this script (no pids file)"
  export SLURM_CONF=$dir/etc/slurm.conf
  local ctld i
  ctld=$(pid_of "$dir" slurmctld)
  if alive "$ctld"; then
    # Only this cluster's jobs: SLURM_CONF points at it.
    scancel --quiet --full --user=root >/dev/null 2>&1 || true
    for ((i = 0; i < 50; i++)); do
      [[ -z $(squeue -h -o %i 2>/dev/null) ]] && break; sleep 0.1
    done
    timeout 10 scontrol shutdown >/dev/null 2>&1 || true  # slurmctld and slurmd
    for ((i = 0; i < 50; i++)); do alive "$ctld" || break; sleep 0.1; done
  fi
  local name
  for name in slurmd slurmctld munged; do stop_pid "$(pid_of "$dir" "$name")" "$name"; done
  # Anything still running from or naming the directory (an orphaned job
  # step)? Reported, never killed by name.
  local left= pid
  # One grep over every command line (the pattern comes from a file, so
  # that grep does not find itself); this script and its subshells name the
  # directory in their own command line, and are not leftovers.
  for pid in $( { grep -laF -f <(printf '%s\n' "$dir") /proc/[0-9]*/cmdline 2>/dev/null
                  find /proc/[0-9]*/cwd -maxdepth 0 -lname "$dir*" 2>/dev/null; } |
                cut -d/ -f3 | sort -u); do
    cmp -s "/proc/$pid/cmdline" "/proc/$$/cmdline" 2>/dev/null && continue
    alive "$pid" && left+="$pid "
  done
  local munge
  munge=$(cat "$dir/munge_dir" 2>/dev/null || true)
  [[ $munge == /tmp/simsock-munge.* ]] && rm -rf "$munge"
  rm -rf "$dir"
  if [[ -n ${left// /} ]]; then
    log "processes left that name $dir: $left"
    return 1
  fi
  log "cluster stopped, $dir removed"
}

status() {
  local dir=${1:?usage: slurm_cluster.sh status DIR} name pid rc=0
  [[ -f $dir/pids ]] || die "$dir is not a cluster started by this script"
  for name in munged slurmctld slurmd; do
    pid=$(pid_of "$dir" "$name")
    if alive "$pid"; then echo "$name $pid running"; else echo "$name ${pid:-?} not running"; rc=1; fi
  done
  SLURM_CONF=$dir/etc/slurm.conf sinfo 2>&1 || rc=1
  return "$rc"
}

case ${1:-} in
  start) start "${2:-}" ;;
  stop) stop "${2:-}" ;;
  status) status "${2:-}" ;;
  *) echo "usage: tools/slurm_cluster.sh start [DIR] | stop DIR | status DIR" >&2; exit 2 ;;
esac
