#!/usr/bin/env bash
# A real one-node SLURM cluster on this machine, for the SLURM profile's test.
#
#   bash tests/slurm/cluster.sh install   # apt-get install slurm-wlm munge (if missing)
#   bash tests/slurm/cluster.sh start     # install if missing, write slurm.conf, start
#                                         # munged, slurmctld, slurmd; wait for an idle node
#   bash tests/slurm/cluster.sh status    # daemons and node state
#   bash tests/slurm/cluster.sh stop      # stop the daemons by their pid files
#
# Idempotent: start does nothing for a daemon whose pid file names a live process; stop ignores
# daemons that are not running. Needs root. Node "localhost" at 127.0.0.1 (the hostname may not
# resolve), no cgroups, no accounting database (the profile asks squeue, not sacct, for status).
set -euo pipefail

STATE=${KMEANS_SLURM_STATE:-/var/lib/kmeans-study-slurm}
CONF=/etc/slurm/slurm.conf
MUNGE_RUN=/run/munge
MUNGE_PID=$MUNGE_RUN/munged.pid

die() { echo "cluster.sh: $*" >&2; exit 1; }

alive() {  # alive PIDFILE: true if the file names a running process
    [[ -s $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null
}

install() {
    if command -v slurmctld >/dev/null && command -v munged >/dev/null; then
        return
    fi
    [[ $(id -u) -eq 0 ]] || die "installing slurm-wlm and munge needs root"
    # Debian's maintainer scripts try to start the daemons; without systemd that fails harmlessly.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q slurm-wlm munge >/dev/null
}

write_conf() {
    local cpus mem
    cpus=$(nproc)
    # Leave 1 GiB to the system; slurmd refuses a node that claims more memory than it has.
    mem=$(( $(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo) - 1024 ))
    mkdir -p /etc/slurm "$STATE/ctld" "$STATE/d"
    cat > "$CONF" <<EOF
# Written by kmeans-study tests/slurm/cluster.sh: a one-node test cluster.
ClusterName=kmeans-study
SlurmctldHost=localhost(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/slurmctld.log
SlurmdLogFile=$STATE/slurmd.log
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/d
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# Finished jobs stay visible to squeue for 10 minutes (the profile's status command).
MinJobAge=600
ReturnToService=2
SlurmdTimeout=60
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
}

start_munge() {
    alive "$MUNGE_PID" && return
    if [[ ! -s /etc/munge/munge.key ]]; then
        dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
    fi
    chown munge:munge /etc/munge/munge.key
    chmod 0400 /etc/munge/munge.key
    mkdir -p "$MUNGE_RUN" /var/log/munge /var/lib/munge
    chown munge:munge "$MUNGE_RUN" /var/log/munge /var/lib/munge
    runuser -u munge -- munged --force
}

node_state() { sinfo -h -n localhost -o %T 2>/dev/null | head -1; }

start() {
    install
    [[ $(id -u) -eq 0 ]] || die "starting the cluster needs root"
    write_conf
    start_munge
    alive "$STATE/slurmctld.pid" || slurmctld
    alive "$STATE/slurmd.pid" || slurmd -N localhost
    local state=""
    for _ in $(seq 1 60); do
        state=$(node_state)
        case $state in
            idle|mixed|allocated) echo "cluster.sh: node localhost is $state"; return ;;
            down*|drain*) scontrol update nodename=localhost state=resume 2>/dev/null || true ;;
        esac
        sleep 1
    done
    tail -n 20 "$STATE/slurmctld.log" "$STATE/slurmd.log" >&2 || true
    die "node localhost did not become idle within 60 s (last state: '${state:-none}'); logs above"
}

stop_one() {  # stop_one PIDFILE NAME
    alive "$1" || return 0
    local pid
    pid=$(cat "$1")
    kill "$pid"
    for _ in $(seq 1 20); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.5
    done
    kill -9 "$pid" 2>/dev/null || true
    echo "cluster.sh: $2 did not stop on SIGTERM, killed" >&2
}

stop() {
    stop_one "$STATE/slurmd.pid" slurmd
    stop_one "$STATE/slurmctld.pid" slurmctld
    stop_one "$MUNGE_PID" munged
}

status() {
    local name file
    for name in munged slurmctld slurmd; do
        file=$STATE/$name.pid
        [[ $name == munged ]] && file=$MUNGE_PID
        if alive "$file"; then echo "$name: running (pid $(cat "$file"))"; else echo "$name: stopped"; fi
    done
    echo "node localhost: $(node_state || true)"
}

case ${1:-} in
    install) install ;;
    start) start ;;
    stop) stop ;;
    status) status ;;
    *) die "usage: $0 install|start|stop|status" ;;
esac
