#!/bin/sh
# deploy/kubernetes/ without a cluster: a structural schema check of the
# manifests with python3-yaml (Debian's kubectl cannot validate offline; no
# Debian package ships kubeconform), the ConfigMap's scenarios accepted by
# `sockbench check`, the pods' command lines accepted by this sockbench
# (every flag known, every value valid), and launch.sh's start time.
. tests/integration_lib.sh
K=deploy/kubernetes

$PYTHON - "$K" >"$tmp/struct.out" 2>&1 <<'PY'
import os, sys, yaml
k = sys.argv[1]
docs = {}
for f in ("bench-job.yaml", "run-job.yaml", "scenarios-configmap.yaml"):
    d = list(yaml.safe_load_all(open(os.path.join(k, f))))
    assert len(d) == 1 and isinstance(d[0], dict), f
    docs[f] = d[0]

def job(d, name, shards_env=True):
    assert d["apiVersion"] == "batch/v1" and d["kind"] == "Job", name
    assert d["metadata"]["name"] == name
    s = d["spec"]
    assert s["completionMode"] == "Indexed"
    assert isinstance(s["completions"], int) and s["completions"] >= 1
    assert s["parallelism"] == s["completions"], "every shard at once"
    assert s["backoffLimit"] == 0, "a retried shard starts late"
    t = s["template"]
    labels = t["metadata"]["labels"]
    ps = t["spec"]
    assert ps["restartPolicy"] == "Never"
    aa = ps["affinity"]["podAntiAffinity"]
    terms = aa.get("preferredDuringSchedulingIgnoredDuringExecution", []) + \
        aa.get("requiredDuringSchedulingIgnoredDuringExecution", [])
    assert terms, "pod anti-affinity"
    for term in terms:
        pat = term.get("podAffinityTerm", term)
        assert pat["topologyKey"] == "kubernetes.io/hostname"
        assert pat["labelSelector"]["matchLabels"].items() <= labels.items()
    (c,) = ps["containers"]
    assert c["name"] == "sockbench" and c["image"]
    r = c["resources"]
    for kk in ("cpu", "memory"):
        assert kk in r["requests"] and kk in r["limits"], kk
    env = {e["name"]: e["value"] for e in c["env"]}
    assert env["SOCKBENCH_SHARDS"] == str(s["completions"]), \
        "SOCKBENCH_SHARDS = completions"
    assert c["command"] == ["sh", "-c"] and len(c["args"]) == 1
    assert "--shard env" in c["args"][0]
    assert "--format json" in c["args"][0]
    return ps, c, env

ps, c, env = job(docs["bench-job.yaml"], "sockbench-bench")
assert env["START_AT"] == "@START_AT@" and '--start-at "$START_AT"' in c["args"][0]
sysctls = {x["name"]: x["value"] for x in ps["securityContext"]["sysctls"]}
assert "net.ipv4.ip_local_port_range" in sysctls
ps, c, env = job(docs["run-job.yaml"], "sockbench-run")
(vol,) = ps["volumes"]
cm = docs["scenarios-configmap.yaml"]
assert cm["apiVersion"] == "v1" and cm["kind"] == "ConfigMap"
assert vol["configMap"]["name"] == cm["metadata"]["name"]
(mnt,) = c["volumeMounts"]
assert mnt["name"] == vol["name"] and mnt["mountPath"] in c["args"][0].split()
assert cm["data"] and all(n.endswith(".txt") for n in cm["data"])
# The pods' command lines, and the scenarios, for the shell to check.
for f in ("bench-job.yaml", "run-job.yaml"):
    a = docs[f]["spec"]["template"]["spec"]["containers"][0]["args"][0]
    print("ARGS", f, a.split("2>/dev/termination-log")[0].replace("\n", " "))
for n, text in cm["data"].items():
    print("FILE", n, len(text))
PY
check $? "the Indexed Jobs and the ConfigMap have the kinds, fields and cross-references they need"

# The ConfigMap's files, as the pod sees them, pass `sockbench check`.
$PYTHON -c "
import sys, yaml, os
cm = yaml.safe_load(open('$K/scenarios-configmap.yaml'))
os.makedirs('$tmp/scen', exist_ok=True)
for n, t in cm['data'].items():
    open(os.path.join('$tmp/scen', n), 'w').write(t)
" && "$BIN" check "$tmp"/scen/*.txt >"$tmp/check.out" 2>&1
check $? "every scenario of the ConfigMap passes sockbench check"
"$BIN" run -q --shard 0/2 "$tmp/scen" >"$tmp/run0.out" 2>&1 &&
    "$BIN" run -q --shard 1/2 "$tmp/scen" >"$tmp/run1.out" 2>&1
check $? "the ConfigMap's scenarios pass in the run Job's two shards"

# The pods' command lines: every flag known and every value valid (the
# option parser checks each in order; --help at the end then exits 0).
start=$(date -u -d "+90 seconds" +%Y-%m-%dT%H:%M:%SZ)
sed -n 's/^ARGS bench-job.yaml //p' "$tmp/struct.out" >"$tmp/bench.args"
sed -n 's/^ARGS run-job.yaml //p' "$tmp/struct.out" >"$tmp/run.args"
BIN="$BIN" JOB_COMPLETION_INDEX=3 SOCKBENCH_SHARDS=4 START_AT=$start \
    TARGET=127.0.0.1:7000 sh -c "$(sed 's/^sockbench /"$BIN" /' \
    "$tmp/bench.args") --help" >"$tmp/bh.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] && [ -s "$tmp/bench.args" ] && grep -q -- '--start-at' \
    "$tmp/bh.out"
check $? "the bench Job's command line (with launch.sh's start time) is accepted by sockbench bench (got $rc)"
BIN="$BIN" JOB_COMPLETION_INDEX=1 SOCKBENCH_SHARDS=2 sh -c "$(sed \
    's/^sockbench /"$BIN" /' "$tmp/run.args") --help" >"$tmp/rh.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] && [ -s "$tmp/run.args" ]
check $? "the run Job's command line is accepted by sockbench run (got $rc)"

# launch.sh's substitution gives a manifest that still parses, with a time.
sed "s/@START_AT@/$start/" "$K/bench-job.yaml" >"$tmp/job.yaml"
$PYTHON -c "
import yaml, sys
d = yaml.safe_load(open('$tmp/job.yaml'))
env = {e['name']: e['value'] for e in d['spec']['template']['spec']['containers'][0]['env']}
sys.exit(0 if env['START_AT'] == '$start' else 1)"
check $? "launch.sh's start time lands in START_AT and the manifest still parses"
sh -n "$K/launch.sh" && sh -n "$K/collect.sh"
check $? "launch.sh and collect.sh are valid sh"
