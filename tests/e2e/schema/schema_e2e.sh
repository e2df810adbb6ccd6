#!/usr/bin/env bash
# The type schema end to end: `kubectl explain` (the real one and ours) reads the server's
# OpenAPI, and `kubectl apply` of a manifest with misspelled nested fields is refused with
# the field paths unless validation is relaxed. Usage: schema_e2e.sh <k3s binary> <kubectl binary>
set -uo pipefail
K3S=${1:?k3s binary}
KUBECTL=${2:?kubectl binary}
[ -x "$KUBECTL" ] || { echo "FAIL: kubectl not found at $KUBECTL"; exit 1; }

source "$(dirname "$0")/../lib/checks.sh"
source "$(dirname "$0")/../lib/server.sh"
k() { "$KUBECTL" --kubeconfig "$KC" "$@"; }
ours() { "$K3S" kubectl --kubeconfig "$KC" "$@"; }

server_workdir schema
start_server

# ---- explain through the real kubectl
out=$(k explain pods.spec.containers 2>&1)
grep -q '^FIELD: containers <\[\]Container>' <<<"$out" && pass "explain pods.spec.containers: field line" ||
  fail "explain pods.spec.containers: $out"
grep -qP '^  name\t<string> -required-$' <<<"$out" && pass "explain: name is required" || fail "explain: no required name: $out"
grep -qP '^  ports\t<\[\]ContainerPort>$' <<<"$out" && pass "explain: ports type" || fail "explain: ports: $out"
grep -qP '^  resources\t<ResourceRequirements>$' <<<"$out" && pass "explain: nested type" || fail "explain: resources: $out"

out=$(k explain deployment.spec --recursive 2>&1)
grep -q '^GROUP:      apps' <<<"$out" && grep -q '^KIND:       Deployment' <<<"$out" &&
  pass "explain deployment.spec --recursive: header" || fail "explain deployment.spec --recursive: $out"
grep -qP '^      maxSurge\t<IntOrString>$' <<<"$out" && pass "explain --recursive: nested IntOrString" ||
  fail "explain --recursive lacks strategy.rollingUpdate.maxSurge: $(head -30 <<<"$out")"
grep -qP '^      containers\t<\[\]Container> -required-$' <<<"$out" && pass "explain --recursive: template containers" ||
  fail "explain --recursive lacks template.spec.containers"

# The v2 form (the gnostic protobuf document kubectl requests) carries the definitions too.
out=$(k explain deploy.spec.strategy --recursive --output=plaintext-openapiv2 2>&1)
grep -q '^RESOURCE: strategy <Object>' <<<"$out" && grep -qP '^      maxSurge\t<string>$' <<<"$out" &&
  pass "explain --output=plaintext-openapiv2" || fail "explain from openapi v2: $out"

out=$(k explain pods.spec.nope 2>&1) && fail "explain of a missing field succeeded"
grep -q 'field "nope" does not exist' <<<"$out" && pass "explain: missing field named" || fail "explain missing field: $out"

# ---- descriptions: the project's own text (src/schema/descriptions) under DESCRIPTION, from
# the v3 document and from the protobuf v2 one
DESCRIPTIONS="$(dirname "$0")/../../../src/schema/descriptions"
described() { sed -n "s/^$2: //p" "$DESCRIPTIONS/$1"; }
# The DESCRIPTION block of an explain output, re-joined into one line.
description_of() { sed -n '/^DESCRIPTION:/,/^FIELDS:/p' | sed '1d;/^FIELDS:/d' | tr -s ' \n' ' ' | sed 's/^ //;s/ $//'; }
want=$(described apps_v1.txt DeploymentSpec.replicas)
[ -n "$want" ] || fail "no description of DeploymentSpec.replicas in $DESCRIPTIONS/apps_v1.txt"
got=$(k explain deployment.spec.replicas 2>&1 | description_of)
[ -n "$want" ] && [ "$got" = "$want" ] && pass "explain deployment.spec.replicas: description" ||
  fail "explain deployment.spec.replicas: got '$got', want '$want'"
got=$(k explain deployment.spec.replicas --output=plaintext-openapiv2 2>&1 | description_of)
[ -n "$want" ] && [ "$got" = "$want" ] && pass "explain --output=plaintext-openapiv2: description" ||
  fail "explain v2 deployment.spec.replicas: got '$got', want '$want'"
want=$(described core_v1.txt Pod)
got=$(k explain pods 2>&1 | description_of)
[ -n "$want" ] && [ "$got" = "$want" ] && pass "explain pods: the kind's description" ||
  fail "explain pods: got '$got', want '$want'"
# A described field of a described type: the field's text, then the type's.
want="$(described apps_v1.txt Deployment.spec) $(described apps_v1.txt DeploymentSpec)"
got=$(k explain deployment.spec 2>&1 | description_of)
[ "$got" = "$want" ] && pass "explain deployment.spec: field and type text" ||
  fail "explain deployment.spec: got '$got', want '$want'"
out=$(k explain pods.spec.containers 2>&1)
grep -q '<no description>' <<<"$out" && fail "explain pods.spec.containers: a field without description: $out"
grep -qP '^  image\t<string>$' <<<"$out" && pass "explain pods.spec.containers: every field described" ||
  fail "explain pods.spec.containers: $out"

# ---- our explain prints what the real kubectl 1.33 prints (1.27's layout differs in blank lines)
if [ "$(basename "$KUBECTL")" = "kubectl.1.33" ]; then
  for args in "pods.spec.containers" "deployment.spec --recursive" "pods" "pod.metadata" "deployment.spec" \
              "deployment.spec.replicas" "services.spec.ports" "pods.spec.volumes.configMap" \
              "pods.spec.containers.resources.limits" "nodes.status.capacity" "pvc.spec.template.spec" \
              "cronjob.spec.jobTemplate.spec.template.spec.containers.ports" "nodes.status"; do
    # shellcheck disable=SC2086
    if diff <(k explain $args 2>&1) <(ours explain $args 2>&1) >"$WORK/diff"; then
      pass "k3s kubectl explain $args matches"
    else
      fail "k3s kubectl explain $args differs: $(head -10 "$WORK/diff")"
    fi
  done
fi

# ---- the published documents
v3=$(k get --raw /openapi/v3/apis/apps/v1)
echo "$v3" | python3 -c '
import json,sys
d=json.load(sys.stdin); s=d["components"]["schemas"]
spec=s["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"]
assert spec["x-kubernetes-patch-merge-key"]=="name", spec
assert s["io.k8s.api.apps.v1.Deployment"]["x-kubernetes-group-version-kind"]==[{"group":"apps","kind":"Deployment","version":"v1"}]
op=d["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["get"]
assert op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("io.k8s.api.apps.v1.Deployment")
' && pass "openapi v3 schemas, merge keys, GVK, response refs" || fail "openapi v3 document"
k get --raw /openapi/v2 | python3 -c '
import json,sys
d=json.load(sys.stdin)["definitions"]
assert d["io.k8s.api.core.v1.Pod"]["properties"]["spec"]["$ref"]=="#/definitions/io.k8s.api.core.v1.PodSpec"
assert d["io.k8s.api.apps.v1.DeploymentSpec"]["properties"]["replicas"]["description"]
' && pass "openapi v2 definitions" || fail "openapi v2 definitions"

# ---- strict field validation of nested fields
cat >"$WORK/typo.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: typo
spec:
  selector:
    matchLabels: {app: typo}
  template:
    metadata:
      labels: {app: typo}
    spec:
      containers:
      - name: web
        image: nginx
        imagee: nginx
        ports:
        - containerPort: 80
          protocoll: TCP
YAML
out=$(k apply -f "$WORK/typo.yaml" 2>&1) && fail "apply with misspelled nested fields succeeded: $out"
grep -q 'strict decoding error: unknown field "spec.template.spec.containers\[0\].imagee", unknown field "spec.template.spec.containers\[0\].ports\[0\].protocoll"' <<<"$out" &&
  pass "apply refused, naming the nested paths" || fail "apply error: $out"
grep -q 'Deployment in version "v1" cannot be handled as a Deployment' <<<"$out" && pass "apply error names the kind" ||
  fail "apply error form: $out"
k get deployment typo >/dev/null 2>&1 && fail "refused deployment exists"

out=$(k apply -f "$WORK/typo.yaml" --validate=warn 2>&1) || fail "apply --validate=warn failed: $out"
grep -q 'Warning: unknown field "spec.template.spec.containers\[0\].imagee"' <<<"$out" &&
  pass "apply --validate=warn prints a warning per field" || fail "apply --validate=warn: $out"
k delete deployment typo >/dev/null 2>&1

out=$(k apply -f "$WORK/typo.yaml" --validate=false 2>&1) && pass "apply --validate=false accepts it" ||
  fail "apply --validate=false: $out"
grep -q Warning <<<"$out" && fail "apply --validate=false warned: $out"

# A patch of an object is checked for what the patch adds, not for the stored object.
out=$(k patch deployment typo --type=merge -p '{"spec":{"minReadySeconds":1}}' 2>&1) && pass "patch of a known field" ||
  fail "patch of a known field: $out"
# kubectl patch sends no fieldValidation: the server's default (Warn) names the new field.
out=$(k patch deployment typo --type=merge -p '{"spec":{"minReadySecondz":1}}' 2>&1) || fail "patch with an unknown field: $out"
grep -q 'Warning: unknown field "spec.minReadySecondz"' <<<"$out" && pass "patch adding an unknown field warns" ||
  fail "patch unknown field: $out"
grep -q 'imagee' <<<"$out" && fail "patch warned about the stored object's fields: $out"

# Well-formed objects of many kinds still apply strictly.
cat >"$WORK/good.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata: {name: good}
data: {a: b}
---
apiVersion: v1
kind: Service
metadata: {name: good}
spec:
  selector: {app: good}
  ports: [{port: 80, targetPort: http, protocol: TCP}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: good}
spec:
  schedule: "*/5 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
          - name: c
            image: busybox
            resources: {limits: {cpu: 100m, memory: 64Mi}}
            env: [{name: A, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]
          volumes: [{name: v, configMap: {name: good}}]
---
apiVersion: coordination.k8s.io/v1
kind: Lease
metadata: {name: good}
spec: {holderIdentity: me, leaseDurationSeconds: 10}
YAML
out=$(k apply -f "$WORK/good.yaml" 2>&1) && pass "strict apply of well-formed objects" || fail "strict apply of good objects: $out"

[ "$failures" -eq 0 ] && echo "PASS" || { echo "$failures failure(s)"; exit 1; }
