#!/usr/bin/env bash
# slurm_cluster.sh: a private single-node Slurm for tests, on this machine, as root.
#
#   tests/slurm/slurm_cluster.sh start DIR   # munged, slurmctld, slurmd; waits until srun works
#   tests/slurm/slurm_cluster.sh stop DIR    # stops what start started and removes DIR
#
# Everything lives under DIR: the munge key, munged's socket, pid, log and seed files, a minimal
# slurm.conf (own ports, state, spool and log dirs), and DIR/env, which sets SLURM_CONF for the
# clients (`. DIR/env; srun -N1 -n1 hostname`). The system's /etc/slurm, /etc/munge and any
# running munged/slurm services are neither read nor touched.
#
# Exit codes: 0 ok; 2 usage; 3 Slurm or munge is not installed (scripts/install-deps.sh);
# 4 the daemons could not start or the cluster did not answer in time (the message says which,
# followed by the daemons' last log lines; nothing is left running). Tests skip on 3 and 4.
set -uo pipefail

readonly EXIT_USAGE=2 EXIT_MISSING=3 EXIT_NO_DAEMONS=4
readonly WAIT_SECONDS="${KILN_SLURM_WAIT_SECONDS:-30}"

die() {  # die CODE MESSAGE
  echo "slurm_cluster: $2" >&2
  exit "$1"
}

# After a failed start: the logs' last lines on stderr, then nothing left running or on disk.
cleanup_failed_start() {
  local log
  for log in "$DIR"/log/*; do
    [[ -s "$log" ]] || continue
    echo "--- $(basename "$log") (last lines)" >&2
    tail -n 5 "$log" >&2
  done
  stop
}

usage() { die $EXIT_USAGE "usage: $0 start|stop DIR"; }

# Two free TCP ports on localhost (slurmctld, slurmd), so a system Slurm's 6817/6818 stay free.
free_ports() {
  /usr/bin/python3 -c '
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))'
}

# Runs a daemon in the foreground flag mode in its own session, logging to FILE; records its pid.
spawn() {  # spawn NAME LOG COMMAND...
  local name=$1 log=$2
  shift 2
  setsid "$@" >>"$log" 2>&1 </dev/null &
  echo $! >"$DIR/run/$name.pid"
}

alive() { [[ -f "$DIR/run/$1.pid" ]] && kill -0 "$(cat "$DIR/run/$1.pid")" 2>/dev/null; }

start() {
  for tool in munged slurmctld slurmd srun sinfo; do
    command -v "$tool" >/dev/null ||
      die $EXIT_MISSING "$tool is not installed (Debian packages slurm-wlm and munge)"
  done
  [[ $(id -u) -eq 0 ]] || die $EXIT_NO_DAEMONS "must run as root to start slurmd (uid $(id -u))"
  [[ -e "$DIR/slurm.conf" ]] && die $EXIT_USAGE "$DIR already holds a cluster (stop it first)"
  mkdir -p "$DIR"/{munge,run,log,state,spool} || die $EXIT_NO_DAEMONS "cannot create $DIR"
  chmod 0700 "$DIR/munge"

  # munge: a fresh key and a daemon on its own socket.
  dd if=/dev/urandom of="$DIR/munge/munge.key" bs=1024 count=1 status=none
  chmod 0400 "$DIR/munge/munge.key"
  local socket="$DIR/munge/munge.socket"
  spawn munged "$DIR/log/munged.out" munged --foreground --force --key-file="$DIR/munge/munge.key" \
    --socket="$socket" --pid-file="$DIR/munge/munged.pid" --log-file="$DIR/log/munged.log" \
    --seed-file="$DIR/munge/munged.seed"
  local waited=0
  until [[ -S "$socket" ]]; do
    alive munged || die $EXIT_NO_DAEMONS "munged did not start (logs below)"
    ((waited++ < 50)) || die $EXIT_NO_DAEMONS "munged made no socket in 5 s (logs below)"
    sleep 0.1
  done

  # slurm.conf: one node, this machine, with its cores and most of its memory.
  local host cpus memory ports ctld_port slurmd_port
  host=$(hostname -s)
  cpus=$(nproc)
  memory=$(awk '/MemTotal/ {print int($2 / 1024 * 0.9)}' /proc/meminfo)
  read -r ctld_port slurmd_port <<<"$(free_ports)" || die $EXIT_NO_DAEMONS "no free ports"
  : >"$DIR/plugstack.conf"
  cat >"$DIR/slurm.conf" <<CONF
# A private single-node cluster for Kiln's tests (tests/slurm/slurm_cluster.sh).
ClusterName=kilntest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/run/slurmctld.pidfile
SlurmdPidFile=$DIR/run/slurmd.pidfile
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
PlugStackConfig=$DIR/plugstack.conf
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/builtin
MpiDefault=none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
ReturnToService=2
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
  echo "export SLURM_CONF=$DIR/slurm.conf" >"$DIR/env"
  export SLURM_CONF="$DIR/slurm.conf"

  spawn slurmctld "$DIR/log/slurmctld.out" slurmctld -D -c -f "$SLURM_CONF"
  spawn slurmd "$DIR/log/slurmd.out" slurmd -D -f "$SLURM_CONF" -N "$host"

  # Bounded wait until a job step runs.
  local deadline=$((SECONDS + WAIT_SECONDS))
  while ((SECONDS < deadline)); do
    alive slurmctld || die $EXIT_NO_DAEMONS "slurmctld exited (logs below)"
    alive slurmd || die $EXIT_NO_DAEMONS "slurmd exited (logs below)"
    if [[ $(sinfo -h -o %T 2>/dev/null) == idle* ]] &&
      timeout 10 srun -N1 -n1 true >/dev/null 2>&1; then
      echo "slurm_cluster: up in $DIR (node $host, $cpus CPUs); . $DIR/env to use it"
      return 0
    fi
    sleep 0.5
  done
  die $EXIT_NO_DAEMONS "the cluster did not run a job within ${WAIT_SECONDS} s (sinfo: $(sinfo -h -o '%T %E' 2>&1 | head -1))"
}

stop() {
  [[ -d "$DIR/run" ]] || return 0
  local name pid
  for name in slurmd slurmctld munged; do
    [[ -f "$DIR/run/$name.pid" ]] || continue
    pid=$(cat "$DIR/run/$name.pid")
    kill -TERM "$pid" 2>/dev/null || continue
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  rm -rf "$DIR"
}

[[ $# -eq 2 ]] || usage
DIR=$(realpath -m "$2")
case "$1" in
  start)
    trap 'status=$?; ((status == 0 || status == EXIT_USAGE)) || cleanup_failed_start' EXIT
    start
    ;;
  stop) stop ;;
  *) usage ;;
esac
