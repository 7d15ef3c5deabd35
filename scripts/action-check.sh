#!/usr/bin/env bash
# Runs ci/action.yml's steps for real, the way a runner would, against a real
# rollcalld over rollcall-sim (20 tenants, t0007 stuck), a local docker-registry
# for promotion and a local git origin for check-superseded. Builds nothing:
#   bash scripts/action-check.sh BUILD_DIR
# Checks: a deploy tolerating one straggler passes, sets rollout-id and
# response-file, promotes `latest`, writes the step summary, never shows the
# token; a deploy tolerating none fails the step; a hostile input stays data.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:?usage: action-check.sh BUILD_DIR}" && pwd)
for b in rollcall rollcalld rollcall-sim; do
  [ -x "$build/$b" ] || { echo "action-check: $build/$b not built" >&2; exit 1; }
done
py=/usr/bin/python3  # Debian's, which has python3-yaml
# shellcheck source=scripts/lib.sh
source "$root/scripts/lib.sh"
scratch_dir rollcall-action-check

fail() { echo "action-check: FAIL: $*" >&2; exit 1; }
ok() { echo "action-check: ok: $*"; }

# --- a registry holding the releases promotion retags ---------------------------
reg_port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
reg="127.0.0.1:$reg_port"
printf 'version: 0.1\nlog: {level: warn}\nstorage:\n  filesystem: {rootdirectory: %s}\nhttp: {addr: %s}\n' \
  "$work/registry" "$reg" >"$work/registry.yml"
docker-registry serve "$work/registry.yml" >"$work/registry.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -fs "http://$reg/v2/" >/dev/null && break; sleep 0.1; done
curl -fs "http://$reg/v2/" >/dev/null || { cat "$work/registry.out" >&2; fail "docker-registry did not start on $reg"; }

push_blob() {  # FILE: POST an upload, PUT the bytes to its Location with the digest
  local loc sep
  loc=$(curl -fsS -X POST -D - -o /dev/null "http://$reg/v2/app/blobs/uploads/" |
        sed -n 's/^[Ll]ocation: *//p' | tr -d '\r')
  case "$loc" in http*) ;; *) loc="http://$reg$loc" ;; esac
  case "$loc" in *\?*) sep='&' ;; *) sep='?' ;; esac
  curl -fsS -X PUT -H 'Content-Type: application/octet-stream' --data-binary "@$1" \
    "$loc${sep}digest=sha256:$(sha256sum "$1" | cut -d' ' -f1)" -o /dev/null
}
push_image() {  # TAG: a one-layer OCI image under 127.0.0.1:PORT/app:TAG
  local d="$work/img-$1" ld cd
  mkdir -p "$d"
  echo "release $1" >"$d/layer"
  printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$(sha256sum "$d/layer" | cut -d' ' -f1)" >"$d/config"
  push_blob "$d/layer"; push_blob "$d/config"
  ld=$(sha256sum "$d/layer" | cut -d' ' -f1); cd=$(sha256sum "$d/config" | cut -d' ' -f1)
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%d}]}' \
    "$cd" "$(stat -c %s "$d/config")" "$ld" "$(stat -c %s "$d/layer")" >"$d/manifest"
  curl -fsS -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
    --data-binary "@$d/manifest" "http://$reg/v2/app/manifests/$1" -o /dev/null
}
manifest_digest() {  # TAG
  curl -fsS -I -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$reg/v2/app/manifests/$1" |
    sed -n 's/^[Dd]ocker-[Cc]ontent-[Dd]igest: *//p' | tr -d '\r'
}

# --- the repository CI checked out, and its origin --------------------------------
git init -q --bare -b main "$work/origin.git"
git init -q -b main "$work/ws"
commit() {  # pushes a new commit to origin's main, prints its sha
  git -C "$work/ws" -c user.name=ci -c user.email=ci@example.invalid commit -q --allow-empty -m "change $1"
  git -C "$work/ws" push -q origin main
  git -C "$work/ws" rev-parse HEAD
}
git -C "$work/ws" remote add origin "$work/origin.git"
commit 1 >/dev/null
sha1=$(commit 2)

# --- the fleet and the control plane ------------------------------------------------
"$build/rollcall-sim" --tenants 20 --listen 127.0.0.1:0 --seed 7 --deploy-ms 50 \
  --initial-image "$reg/app:v1" --fault t0007=stuck --tenants-out "$work/tenants.json" \
  >"$work/sim.out" 2>"$work/sim.err" &
pids+=($!)
sim=$(wait_listening "$work/sim.out")
token="action-check-$RANDOM$RANDOM$RANDOM"
ROLLCALL_ADMIN_TOKEN=$token "$build/rollcalld" --listen 127.0.0.1:0 --db "$work/rollcall.db" \
  --image-repo "$reg/app" --registry-url "http://$reg" --registry-insecure \
  >"$work/rollcalld.out" 2>"$work/rollcalld.err" &
pids+=($!)
server=$(wait_listening "$work/rollcalld.out")
ROLLCALL_SERVER="http://$server" ROLLCALL_TOKEN=$token "$build/rollcall" tenants import "$work/tenants.json" >/dev/null
ok "registry on $reg, rollcall-sim on $sim, rollcalld on $server"

# --- the runner: each run: step of the action, its env from `env:` ------------------
# run_action NAME INPUTS_JSON: runs the steps in $work/ws like a runner
# (bash --noprofile --norc -eo pipefail), the first failing step ending it;
# $work/NAME.{stdout,stderr,summary,output} are what a job would see.
run_action() {
  local name=$1 inputs=$2 code=0
  : >"$work/$name.summary"; : >"$work/$name.output"
  (cd "$work/ws" && PATH="$build:$PATH" GITHUB_ACTIONS=true GITHUB_SHA="$sha1" \
    GITHUB_STEP_SUMMARY="$work/$name.summary" GITHUB_OUTPUT="$work/$name.output" \
    "$py" - "$root/ci" "$inputs" "$work/$name" >"$work/$name.stdout" 2>"$work/$name.stderr" <<'PY'
import json, os, re, subprocess, sys, tempfile
import yaml
action_dir, given, prefix = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
action = yaml.safe_load(open(os.path.join(action_dir, "action.yml")))
assert action["runs"]["using"] == "composite", "not a composite action"
github = {"sha": os.environ["GITHUB_SHA"], "action_path": action_dir}
unknown = set(given) - set(action["inputs"])
assert not unknown, f"inputs the action does not declare: {unknown}"
inputs = {}
def expand(text, ctx):
    def one(m):
        scope, key = m.group(1), m.group(2)
        if scope not in ctx or key not in ctx[scope]:
            raise SystemExit(f"action-check: unsupported expression {m.group(0)}")
        return ctx[scope][key]
    out = re.sub(r"\$\{\{\s*([a-z]+)\.([A-Za-z0-9_.-]+)\s*\}\}", one, str(text))
    if "${{" in out:
        raise SystemExit(f"action-check: unsupported expression in {text!r}")
    return out
for name, spec in action["inputs"].items():
    if name in given:
        inputs[name] = given[name]
    elif spec.get("required"):
        raise SystemExit(f"action-check: input {name} is required")
    else:
        inputs[name] = expand(spec.get("default", ""), {"github": github})
steps = {}
code = 0
for i, step in enumerate(action["runs"]["steps"]):
    assert "uses" not in step and "if" not in step, f"step {i}: only plain run steps are checked"
    assert "${{" not in step["run"], f"step {i}: an expression inside run: (script injection)"
    assert step.get("shell") == "bash", f"step {i}: shell must be bash"
    env = dict(os.environ, GITHUB_ACTION_PATH=action_dir,
               GITHUB_OUTPUT=f"{prefix}.step{i}.output")
    open(env["GITHUB_OUTPUT"], "w").close()
    ctx = {"inputs": inputs, "github": github}
    env.update({k: expand(v, ctx) for k, v in (step.get("env") or {}).items()})
    with tempfile.NamedTemporaryFile("w", suffix=".sh", delete=False) as f:
        f.write(step["run"])
    code = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", f.name], env=env).returncode
    os.unlink(f.name)
    outputs = dict(line.split("=", 1) for line in open(env["GITHUB_OUTPUT"]).read().splitlines() if "=" in line)
    steps[step.get("id", f"step{i}")] = {"outputs": outputs}
    if code != 0:
        break
with open(os.environ["GITHUB_OUTPUT"], "a") as out:
    for name, spec in (action.get("outputs") or {}).items():
        value = re.sub(r"\$\{\{\s*steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)\s*\}\}",
                       lambda m: steps.get(m.group(1), {}).get("outputs", {}).get(m.group(2), ""), spec["value"])
        out.write(f"{name}={value}\n")
sys.exit(code)
PY
  ) || code=$?
  for f in stdout stderr summary output; do
    ! grep -qF "$token" "$work/$name.$f" || fail "$name: the token appears in its $f"
  done
  return "$code"
}
show() { sed 's/^/    /' "$work/$1.stdout" "$work/$1.stderr" | tail -"${2:-25}"; }
output_of() { sed -n "s/^$2=//p" "$work/$1.output" | tail -1; }

policy="--per-tenant-timeout 5 --health-timeout 5 --health-interval 0.5 --soak 0 --budget 10 --interval 1"
push_image "staging-${sha1:0:7}"

# 1. One straggler tolerated: succeeds with t0007 quarantined, promotes latest.
inputs=$("$py" -c 'import json,sys; print(json.dumps({"server": sys.argv[1], "token": sys.argv[2],
  "sha": sys.argv[3], "canary": "t0000", "max-stragglers": "1", "args": sys.argv[4]}))' \
  "http://$server" "$token" "$sha1" "$policy")
SECONDS=0
code=0; run_action tolerant "$inputs" || code=$?
[ "$code" -eq 0 ] || { show tolerant; fail "tolerant: the action failed (exit $code)"; }
id=$(output_of tolerant rollout-id)
response=$(output_of tolerant response-file)
[ -n "$id" ] || fail "tolerant: no rollout-id output: $(cat "$work/tolerant.output")"
[ "$response" = rollcall-response.json ] || fail "tolerant: response-file output is \"$response\""
"$py" - "$work/ws/$response" "$id" <<'PY' || fail "tolerant: the response file does not match"
import json, sys
r = json.load(open(sys.argv[1]))
assert r.get("rollout_id") == sys.argv[2], f"rollout_id {r.get('rollout_id')} != {sys.argv[2]}"
assert "t0007" in r.get("stragglers", []), f"stragglers: {r.get('stragglers')}"
PY
[ -s "$work/tolerant.summary" ] || fail "tolerant: the step summary is empty"
[ "$(manifest_digest latest)" = "$(manifest_digest "staging-${sha1:0:7}")" ] || fail "tolerant: latest was not promoted"
ok "tolerant deploy: exit 0 in ${SECONDS}s, rollout-id=$id, t0007 quarantined, latest promoted, summary written"

# 2. No straggler tolerated, on a newer commit: the step must fail.
sha2=$(commit 3)
push_image "staging-${sha2:0:7}"
inputs=$("$py" -c 'import json,sys; print(json.dumps({"server": sys.argv[1], "token": sys.argv[2],
  "sha": sys.argv[3], "canary": "t0000,t0001", "max-stragglers": "0", "args": sys.argv[4]}))' \
  "http://$server" "$token" "$sha2" "$policy")
SECONDS=0
if run_action strict "$inputs"; then show strict; fail "strict: the action passed with a stuck tenant and max-stragglers 0"; fi
[ -n "$(output_of strict rollout-id)" ] || fail "strict: no rollout-id output for the failed rollout"
grep -q '::error::' "$work/strict.stdout" "$work/strict.stderr" || fail "strict: no ::error:: annotation"
ok "strict deploy: failed in ${SECONDS}s as it must, rollout-id=$(output_of strict rollout-id)"

# 3. Inputs are data: shell in one never runs.
# shellcheck disable=SC2016  # the $(...) are the attack, literal on purpose
inputs=$("$py" -c 'import json,sys; print(json.dumps({"server": sys.argv[1], "token": sys.argv[2],
  "sha": "$(touch pwned)\"; touch pwned; #", "canary": "`touch pwned`", "args": "$(touch pwned)"}))' \
  "http://$server" "$token")
code=0; run_action hostile "$inputs" || code=$?
[ "$code" -eq 2 ] || { show hostile; fail "hostile: exit $code, expected 2 (the sha refused as a usage error)"; }
[ ! -e "$work/ws/pwned" ] || fail "hostile: an input ran as shell"
ok "hostile inputs: rejected as data, nothing ran"
echo "action-check: passed"
