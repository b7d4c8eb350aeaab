#!/usr/bin/env bash
# slurm-local.sh: a one-node Slurm cluster on this machine, for trying
# scripts/sharded.sbatch for real: munged, slurmctld and slurmd (Debian's
# munge and slurm-wlm), all their files in DIR, on ports 16817-16818.
#
#   scripts/slurm-local.sh start DIR   # then: export SLURM_CONF=DIR/slurm.conf
#   scripts/slurm-local.sh stop DIR
#
# Run as root (slurmd starts jobs as their users). start waits until the
# node is idle and fails, with the daemons' logs, when it does not come up.
set -eu
me=slurm-local.sh
[ $# = 2 ] || { echo "usage: $me start|stop DIR" >&2; exit 2; }
ACTION=$1 DIR=$2
# stop: each daemon told to end, then waited for (slurmctld takes a few
# seconds), and killed after 15.
stop() {
  local d pids=()
  for d in slurmd slurmctld munged; do
    if [ -f "$DIR/$d.pid" ]; then
      pids+=("$(cat "$DIR/$d.pid")")
      kill "${pids[-1]}" 2>/dev/null || true
    fi
    rm -f "$DIR/$d.pid"
  done
  local _ p alive
  for _ in $(seq 30); do
    alive=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && return 0
    sleep 0.5
  done
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
}
case $ACTION in
  stop) stop; exit 0 ;;
  start) ;;
  *) echo "$me: start or stop, not $ACTION" >&2; exit 2 ;;
esac
for tool in munged slurmctld slurmd sinfo sbatch; do
  command -v "$tool" >/dev/null || { echo "$me: $tool not found: apt-get install slurm-wlm munge" >&2; exit 1; }
done
mkdir -p "$DIR/state" "$DIR/spool"
DIR=$(cd "$DIR" && pwd)
HOST=$(hostname -s)
[ -f "$DIR/munge.key" ] || { dd if=/dev/urandom of="$DIR/munge.key" bs=1024 count=1 2>/dev/null; chmod 600 "$DIR/munge.key"; }
cat > "$DIR/slurm.conf" <<CONF
ClusterName=bovw
SlurmctldHost=$HOST
AuthType=auth/munge
AuthInfo=socket=$DIR/munge.sock
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldPort=16817
SlurmdPort=16818
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SlurmctldLogFile=$DIR/slurmctld.log
SlurmdLogFile=$DIR/slurmd.log
NodeName=$HOST CPUs=$(nproc) State=UNKNOWN
PartitionName=main Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$DIR/slurm.conf
munged --socket="$DIR/munge.sock" --key-file="$DIR/munge.key" --pid-file="$DIR/munged.pid" \
  --log-file="$DIR/munged.log" --seed-file="$DIR/munge.seed" --force
slurmctld
slurmd
for _ in $(seq 30); do
  if sinfo -h -o %t 2>/dev/null | grep -q idle; then echo "export SLURM_CONF=$SLURM_CONF"; exit 0; fi
  sleep 1
done
echo "$me: the node did not come up; the logs:" >&2
tail -n 5 "$DIR"/*.log >&2 || true
stop
exit 1
