#!/usr/bin/env bash
# A single-node Slurm cluster on this machine, for the tests of
# `tag run -executor slurm` (Debian's slurm-wlm, run as root).
#
#   scripts/slurm-local.sh start [STATE_DIR]   # munged, slurmctld, slurmd; prints "export SLURM_CONF=..."
#   scripts/slurm-local.sh stop  [STATE_DIR]   # stops the daemons it started, by their pid files
#   scripts/slurm-local.sh install             # apt-get install slurm-wlm when sbatch is missing
#
# STATE_DIR (default /tmp/tag-slurm) holds slurm.conf, cgroup.conf, the state
# and spool folders, the logs and the pid files. Export SLURM_CONF as printed
# for sbatch, squeue and scancel to find the cluster. Exit status 0 once a
# node is idle; otherwise 1 with the reason on standard error.
set -euo pipefail
cmd=${1:-}
dir=${2:-/tmp/tag-slurm}

die() { echo "slurm-local: $*" >&2; exit 1; }

ensure_installed() {
  command -v sbatch >/dev/null && command -v slurmctld >/dev/null && return 0
  [ "$(id -u)" = 0 ] || die "slurm-wlm is not installed and installing it needs root"
  command -v apt-get >/dev/null || die "slurm-wlm is not installed and there is no apt-get"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm) >/dev/null 2>&1 ||
    die "apt-get install slurm-wlm failed"
}

stop() {
  # slurmd before slurmctld; munged only if this script started it.
  for p in slurmd slurmctld munged; do
    f="$dir/$p.pid"
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$f"
  done
}

start() {
  [ "$(id -u)" = 0 ] || die "the local cluster runs its daemons as root"
  ensure_installed
  stop
  mkdir -p "$dir/state" "$dir/spool"
  chmod 755 "$dir"
  install -d -o munge -g munge "$dir/munge" 2>/dev/null || true
  host=$(hostname -s)
  # munge: a key, munged running as user munge with /run/munge owned by it.
  if ! (munge -n </dev/null | unmunge >/dev/null) 2>/dev/null; then
    id munge >/dev/null 2>&1 || die "no user munge (is the munge package installed?)"
    if [ ! -s /etc/munge/munge.key ]; then
      mkdir -p /etc/munge
      dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
    fi
    chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
    mkdir -p /run/munge /var/lib/munge /var/log/munge
    chown munge:munge /run/munge /var/lib/munge /var/log/munge
    runuser -u munge -- /usr/sbin/munged --pid-file="$dir/munge/munged.pid" ||
      die "munged did not start"
    # munged writes its pid file as user munge; keep a copy for stop.
    for _ in $(seq 50); do [ -s "$dir/munge/munged.pid" ] && break; sleep 0.1; done
    cp "$dir/munge/munged.pid" "$dir/munged.pid"
  fi
  cat >"$dir/slurm.conf" <<CONF
ClusterName=tagtest
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
# Start array tasks as soon as a CPU frees (the tests run small units).
SchedulerParameters=bf_interval=1,sched_min_interval=100000
ReturnToService=2
# Small, so that the tests' plans (13 units) are submitted as several arrays.
MaxArraySize=${SLURM_MAX_ARRAY_SIZE:-10}
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
SlurmctldPort=${SLURMCTLD_PORT:-6817}
SlurmdPort=${SLURMD_PORT:-6818}
NodeName=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=local Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
  cat >"$dir/cgroup.conf" <<CONF
CgroupPlugin=cgroup/v1
CgroupAutomount=no
CONF
  export SLURM_CONF="$dir/slurm.conf"
  slurmctld -c || die "slurmctld did not start (see $dir/slurmctld.log)"
  slurmd || die "slurmd did not start (see $dir/slurmd.log)"
  for _ in $(seq 100); do
    state=$(sinfo -h -o %T 2>/dev/null || true)
    case "$state" in idle*) echo "export SLURM_CONF=$SLURM_CONF"; return 0 ;; esac
    sleep 0.2
  done
  die "the node is not idle after 20 s (state '${state:-none}'; see $dir/slurmctld.log and $dir/slurmd.log)"
}

case "$cmd" in
start) start ;;
stop) stop ;;
install) ensure_installed ;;
*) die "usage: $0 start|stop|install [STATE_DIR]" ;;
esac
