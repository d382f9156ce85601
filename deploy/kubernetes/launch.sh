#!/bin/sh
# Start a sharded sockbench Job: fill in a common start time and apply.
#   deploy/kubernetes/launch.sh [MANIFEST [SECONDS_AHEAD]]
# MANIFEST defaults to bench-job.yaml next to this script; SECONDS_AHEAD
# (default 90) must cover scheduling and the image pull of every pod, or
# the late ones are flagged by merge. For run-job.yaml the ConfigMap is
# applied first. Needs kubectl with a context for the cluster.
set -eu
here=$(dirname "$0")
manifest=${1:-$here/bench-job.yaml}
ahead=${2:-90}
start=$(date -u -d "+$ahead seconds" +%Y-%m-%dT%H:%M:%SZ)
if grep -q 'name: sockbench-scenarios' "$manifest"; then
	kubectl apply -f "$here/scenarios-configmap.yaml"
fi
sed "s/@START_AT@/$start/" "$manifest" | kubectl apply -f -
echo "launched $manifest: shards start at $start" >&2
