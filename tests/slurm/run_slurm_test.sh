#!/usr/bin/env bash
# A one-node Slurm on localhost (munge + slurmctld + slurmd) runs a small sweep as a job array of
# shards plus the dependent merge job (scripts/slurm/sweep.sbatch); the merged database must equal
# a local run. Exits 77 (CTest's skip code) with the reason when Slurm cannot be installed or started.
# Usage: run_slurm_test.sh TRAINSITE_BINARY SOURCE_DIR
set -uo pipefail
BIN=$(realpath "$1"); SRC=$(realpath "$2")
skip() { echo "SKIP: $*"; cleanup; exit 77; }
fail() { echo "FAIL: $*"; cleanup; exit 1; }
W=$(mktemp -d /tmp/trainsite-slurm-test.XXXXXX)
STARTED_MUNGE=""; STARTED_SLURM=""
cleanup() {
  if [ -n "$STARTED_SLURM" ]; then
    # Cancel what is left and let the step daemons exit before the controller goes away.
    scancel --quiet --full --cluster=trainsite-test -u "$(id -un)" >/dev/null 2>&1 || scancel -u "$(id -un)" >/dev/null 2>&1 || true
    for _ in $(seq 20); do [ -z "$(squeue -h 2>/dev/null)" ] && break; sleep 0.5; done
    scontrol shutdown >/dev/null 2>&1 || true
    for p in $STARTED_SLURM; do
      for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
      kill "$p" 2>/dev/null || true
    done
  fi
  [ -n "$STARTED_MUNGE" ] && kill "$STARTED_MUNGE" 2>/dev/null || true
  STARTED_SLURM=""; STARTED_MUNGE=""
}
trap cleanup EXIT

command -v sqlite3 >/dev/null || skip "the sqlite3 command-line tool is missing"
# One test Slurm per machine at a time (fixed ports): concurrent ctest runs wait for each other.
exec 9>/tmp/trainsite-slurm-test.lock
flock -w 300 9 || skip "another Slurm test held the lock for 300 s"
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
  [ "$(id -u)" -eq 0 ] || skip "Slurm is not installed and installing it needs root"
  command -v apt-get >/dev/null || skip "Slurm is not installed and there is no apt-get"
  echo "installing slurm-wlm and munge (apt-get)"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge) \
    >"$W/apt.log" 2>&1 || skip "apt-get could not install slurm-wlm and munge (see $W/apt.log)"
fi
[ "$(id -u)" -eq 0 ] || skip "starting munge and Slurm daemons needs root"
export PATH="$PATH:/usr/sbin"

# munge: a key, then the daemon (unless one already answers).
if ! (munge -n | unmunge) >/dev/null 2>&1; then
  if [ ! -f /etc/munge/munge.key ]; then
    /usr/sbin/mungekey --create 2>/dev/null || dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null
  fi
  chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
  mkdir -p /run/munge && chown munge:munge /run/munge
  runuser -u munge -- /usr/sbin/munged --force || skip "munged did not start"
  sleep 0.5
  STARTED_MUNGE=$(cat /run/munge/munged.pid 2>/dev/null)
  (munge -n | unmunge) >/dev/null 2>&1 || skip "munge does not work here"
fi

# Our own slurm.conf (SLURM_CONF), state and spool under $W: the system's /etc/slurm is left alone.
H=$(hostname -s)
mkdir -p "$W/state" "$W/spool" "$W/log"
export SLURM_CONF="$W/slurm.conf"
cat >"$SLURM_CONF" <<CONF
ClusterName=trainsite-test
SlurmctldHost=$H(127.0.0.1)
SlurmUser=root
SlurmctldPort=16817
SlurmdPort=16818
StateSaveLocation=$W/state
SlurmdSpoolDir=$W/spool
SlurmctldPidFile=$W/slurmctld.pid
SlurmdPidFile=$W/slurmd.pid
SlurmctldLogFile=$W/log/slurmctld.log
SlurmdLogFile=$W/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
NodeName=$H NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=$H Default=YES MaxTime=INFINITE State=UP
CONF
slurmctld -c >"$W/log/ctld.out" 2>&1 || skip "slurmctld did not start (see $W/log)"
sleep 0.5
STARTED_SLURM="$(cat "$W/slurmctld.pid" 2>/dev/null)"
slurmd -c >"$W/log/d.out" 2>&1 || skip "slurmd did not start (see $W/log)"
sleep 0.5
STARTED_SLURM="$STARTED_SLURM $(cat "$W/slurmd.pid" 2>/dev/null)"
for _ in $(seq 60); do
  sinfo -h -o %T 2>/dev/null | grep -q idle && break
  sleep 0.5
done
sinfo -h -o %T 2>/dev/null | grep -q idle || skip "the Slurm node did not become idle: $(sinfo 2>&1 | tail -1)"

# A small sweep: 2 sites × 3 token counts × 3 layouts (one skipped by a constraint) = 18 points.
cat >"$W/sweep.yaml" <<YAML
schema: trainsite/sweep/v1
name: slurm-test
base: $SRC/scenarios/library/small-16gpu.yaml
axes:
  sites: [ulanqab, shanghai]
  workload.tokens: [10e9, 20e9, 40e9]
  zip: {parallelism.tp: [2, 4, 2], parallelism.pp: [2, 1, 4]}
constraints:
  - {require: parallelism.pp < 4, reason: slurm test skip}
YAML
"$BIN" sweep "$W/sweep.yaml" --db "$W/local.sqlite" --jobs 2 >"$W/local.out" 2>&1 || fail "local sweep failed: $(cat "$W/local.out")"

ids=$(cd "$W" && TRAINSITE="$BIN" "$SRC/scripts/slurm/sweep.sbatch" "$W/sweep.yaml" "$W/merged.sqlite" 3 \
        --output="$W/shard-%A_%a.out") || fail "submitting the sweep failed: $ids"
echo "submitted array and merge jobs: $ids"
deadline=$((SECONDS + 180))
while [ $SECONDS -lt $deadline ]; do
  [ -z "$(squeue -h -j "${ids// /,}" 2>/dev/null)" ] && break
  sleep 1
done
[ -z "$(squeue -h -j "${ids// /,}" 2>/dev/null)" ] || fail "jobs still queued after 180 s: $(squeue 2>&1)"
[ -f "$W/merged.sqlite" ] || fail "no merged database; job output: $(cat "$W"/shard-*.out "$W"/merged.shards/merge-*.out 2>&1)"

q="SELECT hash, status, reason, result FROM points ORDER BY hash"
sqlite3 "$W/local.sqlite" "$q" >"$W/local.rows"
sqlite3 "$W/merged.sqlite" "$q" >"$W/merged.rows"
n=$(wc -l <"$W/local.rows")
[ "$n" -eq 18 ] || fail "the local run has $n rows, expected 18"
cmp -s "$W/local.rows" "$W/merged.rows" || fail "merged database differs from the local run: $(diff "$W/local.rows" "$W/merged.rows" | head)"
echo "PASS: 3 Slurm shards merged into $n rows equal to the local run"
cleanup
rm -rf "$W"
exit 0
