#!/bin/busybox sh
# The lab VM's /init (busybox ash, pid 1): mounts, loads the virtio and ext4 modules, sets up ftrace,
# then runs /runs/$RUN.sh (written by lab/run.mjs from lab/runs.json: TRACE_KB, workload and probe
# functions) between the before-, mid- and after- snapshots, and hands /out back as a tar on /dev/vdb.
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tracefs tracefs /sys/kernel/tracing
echo -1000 > /proc/self/oom_score_adj
echo "oomlab-lab: init up"
for m in $(cat /modules/order); do insmod "/modules/$m" || echo "oomlab-lab: insmod $m failed"; done
n=0
while [ ! -b /dev/vdb ] && [ $n -lt 100 ]; do usleep 100000; n=$((n + 1)); done
mkdir -p /data /out /tmp
mount -t ext2 -o ro /dev/vda /data || echo "oomlab-lab: cannot mount /dev/vda"
RUN=$(sed -n 's/.*oomlab\.run=\([^ ]*\).*/\1/p' /proc/cmdline)
T=/sys/kernel/tracing
HOLD=""

# alive PID: running and not a zombie (pid 1 reaps its children only when it waits).
alive() { [ -e "/proc/$1" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status"; }
# start READY CMD...: runs CMD in the background, adds it to HOLD, waits for READY or its death.
start() {
  r=$1
  shift
  "$@" &
  p=$!
  HOLD="$HOLD $p"
  while [ ! -e "$r" ]; do
    alive "$p" || { echo "oomlab-lab: pid $p ($*) ended before $r"; return 1; }
    usleep 100000
  done
}
snap() { for f in buddyinfo pagetypeinfo zoneinfo vmstat; do cat "/proc/$f" > "/out/$1-$f"; done; }
mark() { echo "oomlab: $1" > $T/trace_marker; echo "oomlab-lab: phase $1"; }
result() { echo "$1" >> /out/probe-result; }

if [ -f "/runs/$RUN.sh" ]; then
  . "/runs/$RUN.sh"
  setup
  {
    echo "release=$(uname -r)"
    echo "cmdline=$(cat /proc/cmdline)"
    echo "thp_enabled=$(cat /sys/kernel/mm/transparent_hugepage/enabled)"
    echo "thp_defrag=$(cat /sys/kernel/mm/transparent_hugepage/defrag)"
    echo "min_free_kbytes=$(cat /proc/sys/vm/min_free_kbytes)"
    echo "memtotal_kb=$(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo)"
  } > /out/vm-info
  echo 0 > $T/tracing_on
  echo "$TRACE_KB" > $T/buffer_size_kb
  echo > $T/trace
  for e in mm_page_alloc mm_page_free mm_page_free_batched mm_page_alloc_extfrag; do
    echo 1 > "$T/events/kmem/$e/enable"
  done
  sync
  echo 3 > /proc/sys/vm/drop_caches
  echo 1 > $T/tracing_on
  snap before
  mark workload-start
  workload
  snap mid
  mark probe-start
  probe
  mark probe-end
  snap after
  echo 0 > $T/tracing_on
  cat $T/per_cpu/cpu0/stats > /out/trace-stats
  for p in $HOLD; do kill -9 "$p" 2>/dev/null; done
  wait
  gzip -c $T/trace > /out/trace.txt.gz
  echo "oomlab-lab: trace saved"
else
  echo "oomlab-lab: no run script /runs/$RUN.sh"
  echo "no run script for '$RUN'" > /out/error
fi
cd /out && md5sum * > /MD5SUMS && mv /MD5SUMS /out/MD5SUMS
tar -c -f /dev/vdb -C /out .
sync
echo "oomlab-lab: done"
poweroff -f
