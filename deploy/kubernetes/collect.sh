#!/bin/sh
# Collect the reports of a sharded sockbench Job and merge them.
#   deploy/kubernetes/collect.sh [JOB [DIR [merge options...]]]
# JOB defaults to sockbench-bench, DIR to ./reports-JOB. Waits until no pod
# of the Job is active, saves each completion index's stdout (its JSON
# report) as DIR/shard-I.json, and runs `sockbench merge --shards N` on
# them (pass --format junit for a run Job). An index without a pod or a
# log is missing from DIR, and merge flags it. The exit status is merge's.
set -eu
job=${1:-sockbench-bench}
dir=${2:-reports-$job}
[ $# -ge 2 ] && shift 2 || shift $#
n=$(kubectl get job "$job" -o jsonpath='{.spec.completions}')
while [ -n "$(kubectl get job "$job" -o jsonpath='{.status.active}')" ]; do
	sleep 5
done
mkdir -p "$dir"
kubectl get pods -l "job-name=$job" -o jsonpath='{range .items[*]}{.metadata.annotations.batch\.kubernetes\.io/job-completion-index}{" "}{.metadata.name}{"\n"}{end}' |
while read -r idx pod; do
	[ -n "$pod" ] || continue
	if ! kubectl logs "$pod" -c sockbench >"$dir/shard-$idx.json"; then
		rm -f "$dir/shard-$idx.json"
		echo "collect: no log from $pod (index $idx)" >&2
	fi
done
set -- --shards "$n" "$@"
exec sockbench merge "$@" -- "$dir"/shard-*.json
