#!/usr/bin/env bash
# Starts `k3s server --disable-agent` on a free port with a temporary data dir and drives it
# with a real kubectl. Usage: kubectl_e2e.sh <k3s binary> <kubectl binary>
set -uo pipefail
K3S=${1:?k3s binary}
KUBECTL=${2:?kubectl binary}
[ -x "$KUBECTL" ] || { echo "FAIL: kubectl not found at $KUBECTL"; exit 1; }

source "$(dirname "$0")/../lib/checks.sh"
source "$(dirname "$0")/../lib/server.sh"
k() { "$KUBECTL" --kubeconfig "$KC" "$@"; }
ready_probe() { k get ns; }
READY_PROBE=ready_probe

server_workdir apiserver
start_server

out=$(k get ns 2>&1)
for ns in default kube-system kube-public kube-node-lease; do
  grep -qE "^$ns +Active" <<<"$out" || fail "get ns lacks $ns: $out"
done
head -1 <<<"$out" | grep -qE '^NAME +STATUS +AGE' && pass "get ns table" || fail "get ns header: $out"

# create / get / delete a configmap
cm1='{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm1"},"data":{"a":"b"}}'
k create -f - <<<"$cm1" >/dev/null 2>&1 && pass "create configmap" || fail "create configmap: $(k create -f - <<<"$cm1" 2>&1)"
[ "$(k get configmap cm1 -o jsonpath='{.data.a}')" = "b" ] && pass "get configmap jsonpath" || fail "get configmap data"
k get cm cm1 | grep -qE '^cm1 +1 +' && pass "configmap table" || fail "configmap table: $(k get cm cm1 2>&1)"
out=$(k create -f - <<<"$cm1" 2>&1) && fail "duplicate create succeeded"
grep -q 'AlreadyExists\|already exists' <<<"$out" && pass "409 AlreadyExists" || fail "duplicate create: $out"

# apply: create then update
cat >"$WORK/cm.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata:
  name: applied
  labels:
    app: demo
data:
  key: one
YAML
k apply -f "$WORK/cm.yaml" 2>&1 | grep -q 'created' && pass "apply create" || fail "apply create: $(k apply -f "$WORK/cm.yaml" 2>&1)"
sed -i 's/key: one/key: two/' "$WORK/cm.yaml"
out=$(k apply -f "$WORK/cm.yaml" 2>&1)
grep -q 'configured' <<<"$out" && pass "apply update" || fail "apply update: $out"
[ "$(k get cm applied -o jsonpath='{.data.key}')" = "two" ] && pass "apply changed data" || fail "apply data"

# output formats
grep -q '^kind: ConfigMap' <<<"$(k get cm applied -o yaml)" && pass "-o yaml" || fail "-o yaml"
k get cm applied -o json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["metadata"]["uid"] and d["metadata"]["resourceVersion"]' \
  && pass "-o json uid/resourceVersion" || fail "-o json"
k get cm -l app=demo -o name | grep -qx 'configmap/applied' && pass "label selector" || fail "label selector"
k get cm --field-selector metadata.name=cm1 -o name | grep -qx 'configmap/cm1' && pass "field selector" || fail "field selector"

# label
k label cm cm1 tier=web >/dev/null 2>&1 && [ "$(k get cm cm1 -o jsonpath='{.metadata.labels.tier}')" = web ] \
  && pass "label" || fail "label: $(k label cm cm1 tier=web --overwrite 2>&1)"

# watch: start, make a change, see it
k get cm -w --output-watch-events -o name >"$WORK/watch.out" 2>&1 &
WATCH_PID=$!
for _ in $(seq 1 100); do grep -q 'configmap/cm1' "$WORK/watch.out" && break; sleep 0.1; done
k create -f - <<<'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"watched"}}' >/dev/null 2>&1
for _ in $(seq 1 100); do grep -q 'ADDED.*configmap/watched\|configmap/watched' "$WORK/watch.out" && break; sleep 0.1; done
kill "$WATCH_PID" 2>/dev/null; wait "$WATCH_PID" 2>/dev/null
grep -q 'configmap/watched' "$WORK/watch.out" && pass "watch sees a create" || fail "watch: $(cat "$WORK/watch.out")"

# delete, then 404
k delete cm cm1 >/dev/null 2>&1 && pass "delete" || fail "delete"
out=$(k get cm cm1 2>&1) && fail "get after delete succeeded"
grep -q 'configmaps "cm1" not found' <<<"$out" && pass "404 NotFound" || fail "404: $out"

# a workload from apply, scaled through the scale subresource
cat >"$WORK/deploy.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: scaled
spec:
  selector:
    matchLabels: {app: scaled}
  template:
    metadata:
      labels: {app: scaled}
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
YAML
k apply -f "$WORK/deploy.yaml" >/dev/null 2>&1 && k scale deployment scaled --replicas=3 >/dev/null 2>&1 && \
  [ "$(k get deploy scaled -o jsonpath='{.spec.replicas}/{.metadata.generation}')" = "3/2" ] && \
  k get deploy scaled | grep -qE '^scaled +0/3 ' && pass "apply + scale deployment" || \
  fail "scale: $(k get deploy scaled -o yaml 2>&1 | head -30)"

# pod template defaults, as kube-apiserver writes them into every workload's template
k create deployment defaulted --image=nginx:1.25 --port=80 >/dev/null 2>&1
got=$(k get deploy defaulted -o jsonpath='{.spec.template.spec.restartPolicy}/{.spec.template.spec.dnsPolicy}/{.spec.template.spec.schedulerName}/{.spec.template.spec.terminationGracePeriodSeconds}/{.spec.template.spec.containers[0].imagePullPolicy}/{.spec.template.spec.containers[0].terminationMessagePath}/{.spec.template.spec.containers[0].terminationMessagePolicy}/{.spec.template.spec.containers[0].ports[0].protocol}')
[ "$got" = "Always/ClusterFirst/default-scheduler/30/IfNotPresent//dev/termination-log/File/TCP" ] &&
  grep -qE '^      securityContext: \{\}$' <<<"$(k get deploy defaulted -o yaml)" && pass "create deployment: template defaulted" ||
  fail "template defaults: $got $(k get deploy defaulted -o yaml 2>&1 | sed -n '/template:/,$p')"
# Updates and patches are defaulted too: a patch dropping a defaulted field gets it back, and a
# no-op does not bump the generation (so the deployment controller sees the same template).
gen=$(k get deploy defaulted -o jsonpath='{.metadata.generation}')
k patch deploy defaulted --type=json \
  -p '[{"op":"remove","path":"/spec/template/spec/dnsPolicy"},{"op":"remove","path":"/spec/template/spec/containers/0/imagePullPolicy"}]' >/dev/null 2>&1
k label deploy defaulted tier=web >/dev/null 2>&1
got=$(k get deploy defaulted -o jsonpath='{.metadata.generation}/{.spec.template.spec.dnsPolicy}/{.spec.template.spec.containers[0].imagePullPolicy}')
[ "$got" = "$gen/ClusterFirst/IfNotPresent" ] && pass "patch re-defaults, no-op keeps the generation" || fail "patch defaults: $got (generation was $gen)"
k get deploy defaulted -o json | k replace -f - >/dev/null 2>&1
[ "$(k get deploy defaulted -o jsonpath='{.metadata.generation}')" = "$gen" ] && pass "replace of the read object is a no-op" ||
  fail "replace bumped generation: $(k get deploy defaulted -o jsonpath='{.metadata.generation}') (was $gen)"
out=$(k apply -f "$WORK/deploy.yaml" 2>&1)
grep -q 'deployment.apps/scaled unchanged' <<<"$out" && pass "apply twice: unchanged" || fail "second apply: $out"
[ "$(k get deploy scaled -o jsonpath='{.metadata.generation}')" = "2" ] && pass "second apply keeps the generation" ||
  fail "second apply generation: $(k get deploy scaled -o jsonpath='{.metadata.generation}')"

# namespaces: create, put something in, delete with kubectl's default --wait
k create -f - >/dev/null 2>&1 <<<'{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"scratch"}}'
k -n scratch create -f - >/dev/null 2>&1 <<<'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"inside"}}'
timeout 60 "$KUBECTL" --kubeconfig "$KC" delete ns scratch >/dev/null 2>&1 && \
  ! k get ns scratch >/dev/null 2>&1 && pass "namespace deletion completes" || fail "namespace deletion: $(k get ns scratch 2>&1)"

# services get a ClusterIP; the kubernetes service sits at the first IP
[ "$(k get svc kubernetes -o jsonpath='{.spec.clusterIP}')" = "10.43.0.1" ] && pass "kubernetes service" || fail "kubernetes service"
k create -f - >/dev/null 2>&1 <<<'{"apiVersion":"v1","kind":"Service","metadata":{"name":"web"},"spec":{"ports":[{"port":80,"targetPort":8080}]}}' && \
  k get svc web -o jsonpath='{.spec.clusterIP}' | grep -qE '^10\.43\.' && pass "ClusterIP allocated" || fail "service create"

# an authenticated user without RBAC grants is forbidden (client cert signed by the client CA)
TLS=$WORK/data/server/tls
printf 'extendedKeyUsage=clientAuth\n' >"$WORK/cli.ext"
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/jane.key" -out "$WORK/jane.csr" \
  -subj "/O=dev/CN=jane" 2>/dev/null && \
openssl x509 -req -in "$WORK/jane.csr" -CA "$TLS/client-ca.crt" -CAkey "$TLS/client-ca.key" -CAcreateserial \
  -days 1 -extfile "$WORK/cli.ext" -out "$WORK/jane.crt" 2>/dev/null
k config set-credentials jane --client-certificate="$WORK/jane.crt" --client-key="$WORK/jane.key" --embed-certs >/dev/null
out=$(k --user jane get secrets 2>&1)
grep -q 'secrets is forbidden: User "jane" cannot list resource "secrets"' <<<"$out" && pass "403 for a user without grants" || fail "403: $out"

# pods/binding: what the scheduler uses to place a pod; a second binding is a conflict
k create -f - >/dev/null <<<'{"apiVersion":"v1","kind":"Pod","metadata":{"name":"bindme"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}'
binding='{"apiVersion":"v1","kind":"Binding","metadata":{"name":"bindme"},"target":{"apiVersion":"v1","kind":"Node","name":"node-a"}}'
k create --raw /api/v1/namespaces/default/pods/bindme/binding -f - <<<"$binding" | grep -q '"Success"' && pass "binding created" || fail "binding"
[ "$(k get pod bindme -o jsonpath='{.spec.nodeName}/{.status.conditions[?(@.type=="PodScheduled")].status}')" = "node-a/True" ] \
  && pass "bound pod has nodeName and PodScheduled" || fail "bound pod: $(k get pod bindme -o json 2>&1 | head -40)"
out=$(k create --raw /api/v1/namespaces/default/pods/bindme/binding -f - <<<"$binding" 2>&1) && fail "second binding succeeded"
grep -q 'already assigned to node "node-a"' <<<"$out" && pass "second binding 409" || fail "second binding: $out"

# errors straight from the API
server=$(k config view -o jsonpath='{.clusters[0].cluster.server}')
code=$(curl -sk -o "$WORK/anon.json" -w '%{http_code}' "$server/api/v1/namespaces")
[ "$code" = 401 ] && grep -q '"kind":"Status"' "$WORK/anon.json" && pass "401 without credentials" || fail "anonymous: $code $(cat "$WORK/anon.json")"
[ "$(curl -sk "$server/ping")" = pong ] && pass "/ping" || fail "/ping"
curl -sk "$server/cacerts" | grep -q 'BEGIN CERTIFICATE' && pass "/cacerts" || fail "/cacerts"
out=$(k create --raw /api/v1/namespaces/default/configmaps -f - <<<'{"kind": "ConfigMap", bad json' 2>&1)
grep -qi 'BadRequest\|error decoding\|400' <<<"$out" && pass "malformed body 400" || fail "malformed body: $out"
out=$(k get --raw /version 2>&1)
grep -q '"gitVersion": *"v1.33' <<<"$out" && pass "/version" || fail "/version: $out"

# kubectl's generators use the typed clients: before 1.31 they send JSON bodies, from 1.31 on
# protobuf (application/vnd.kubernetes.protobuf), so both encodings are exercised here.
expect() {  # expect <description> <wanted> <command...>
  local what=$1 want=$2 got
  shift 2
  got=$("$@" 2>&1)
  [ "$got" = "$want" ] && pass "$what" || fail "$what: wanted '$want', got '$got'"
}
created() {  # created <description> <kubectl create args...>
  local what=$1 out
  shift
  out=$(k create "$@" 2>&1) && pass "create $what" || fail "create $what: $out"
}
created "configmap generator" configmap generated --from-literal=k=v
expect "configmap generator data" v k get cm generated -o jsonpath='{.data.k}'
created "secret generic" secret generic gensecret --from-literal=password=s3cr3t
expect "secret data is base64" 'czNjcjN0/Opaque' k get secret gensecret -o jsonpath='{.data.password}/{.type}'
created "namespace" namespace genns
expect "namespace active" Active k get ns genns -o jsonpath='{.status.phase}'
created "deployment" deployment web --image=nginx:1.25 --replicas=2 --port=8080
expect "deployment strategy defaulted from kubectl's empty strategy" 'RollingUpdate/25%/25%' \
  k get deploy web -o jsonpath='{.spec.strategy.type}/{.spec.strategy.rollingUpdate.maxSurge}/{.spec.strategy.rollingUpdate.maxUnavailable}'
expect "deployment spec" '2/nginx:1.25/8080/web' \
  k get deploy web -o jsonpath='{.spec.replicas}/{.spec.template.spec.containers[0].image}/{.spec.template.spec.containers[0].ports[0].containerPort}/{.spec.selector.matchLabels.app}'
k get deploy web | grep -qE '^web +0/2 +[02] +0 ' && pass "deployment table" || fail "deployment table: $(k get deploy web 2>&1)"
created "deployment with zero replicas" deployment idle --image=busybox --replicas=0
expect "zero replicas survive" 0 k get deploy idle -o jsonpath='{.spec.replicas}'
created "service clusterip" service clusterip gensvc --tcp=80:8080
expect "service ports" '80/8080/TCP/ClusterIP' \
  k get svc gensvc -o jsonpath='{.spec.ports[0].port}/{.spec.ports[0].targetPort}/{.spec.ports[0].protocol}/{.spec.type}'
k get svc gensvc -o jsonpath='{.spec.clusterIP}' | grep -qE '^10\.43\.' && pass "generated service ClusterIP" || fail "generated service ClusterIP"
created "serviceaccount" serviceaccount gensa
expect "serviceaccount" serviceaccount/gensa k get sa gensa -o name
created "job" job genjob --image=busybox -- echo hi
expect "job pod template" 'busybox/echo hi/Never' \
  k get job genjob -o jsonpath='{.spec.template.spec.containers[0].image}/{.spec.template.spec.containers[0].command[*]}/{.spec.template.spec.restartPolicy}'
created "cronjob" cronjob gencron --image=busybox --schedule='*/5 * * * *'
expect "cronjob schedule" '*/5 * * * */busybox' \
  k get cronjob gencron -o jsonpath='{.spec.schedule}/{.spec.jobTemplate.spec.template.spec.containers[0].image}'
created "role" role genrole --verb=get --verb=list --resource=pods
expect "role rules" 'get list/pods/' k get role genrole -o jsonpath='{.rules[0].verbs[*]}/{.rules[0].resources[0]}/{.rules[0].apiGroups[0]}'
created "rolebinding" rolebinding genrb --role=genrole --user=jane
expect "rolebinding" 'Role/genrole/User/jane' \
  k get rolebinding genrb -o jsonpath='{.roleRef.kind}/{.roleRef.name}/{.subjects[0].kind}/{.subjects[0].name}'
created "clusterrole" clusterrole gencr --verb=list --resource=nodes
# RBAC names only have to be a path segment (kube's own roles are called system:...).
created "clusterrole with a colon" clusterrole example:reader --verb=get --resource=pods
expect "clusterrole rules" 'list/nodes' k get clusterrole gencr -o jsonpath='{.rules[0].verbs[0]}/{.rules[0].resources[0]}'
created "clusterrolebinding" clusterrolebinding gencrb --clusterrole=gencr --group=devs
expect "clusterrolebinding" 'ClusterRole/gencr/Group/devs' \
  k get clusterrolebinding gencrb -o jsonpath='{.roleRef.kind}/{.roleRef.name}/{.subjects[0].kind}/{.subjects[0].name}'
created "quota" quota genquota --hard=pods=10,cpu=2,memory=1Gi
expect "quota hard limits" '10/2/1Gi' k get quota genquota -o jsonpath='{.spec.hard.pods}/{.spec.hard.cpu}/{.spec.hard.memory}'
created "priorityclass" priorityclass genpc --value=1000 --description=generated
expect "priorityclass" '1000/generated' k get priorityclass genpc -o jsonpath='{.value}/{.description}'
created "pdb" pdb genpdb --selector=app=web --min-available=50%
expect "pdb" '50%/web' k get pdb genpdb -o jsonpath='{.spec.minAvailable}/{.spec.selector.matchLabels.app}'
created "ingress" ingress genin --rule='example.com/=web:80'
expect "ingress rule" 'example.com/web/80' \
  k get ingress genin -o jsonpath='{.spec.rules[0].host}/{.spec.rules[0].http.paths[0].backend.service.name}/{.spec.rules[0].http.paths[0].backend.service.port.number}'
# Older kubectl (1.29 included) creates autoscaling/v1 autoscalers; the server serves autoscaling/v2.
if ! "$KUBECTL" version --client -o json | grep -qE '"minor": *"(2[0-9]|30)"'; then
  k autoscale deployment web --max=5 --min=2 >/dev/null 2>&1 && pass "autoscale" || fail "autoscale: $(k autoscale deployment web --max=5 2>&1)"
  expect "autoscaler bounds" '2/5/web' k get hpa web -o jsonpath='{.spec.minReplicas}/{.spec.maxReplicas}/{.spec.scaleTargetRef.name}'
fi
expect "auth can-i (SelfSubjectAccessReview)" yes k auth can-i get pods
expect "auth can-i denied for jane" no k --user jane auth can-i get secrets
# kubectl before 1.28 asks for the alpha/beta SelfSubjectReview only; the server serves v1.
if ! "$KUBECTL" version --client -o json | grep -q '"minor": *"2[0-7]"'; then
  k auth whoami -o jsonpath='{.status.userInfo.username}' | grep -q . && pass "auth whoami (SelfSubjectReview)" || \
    fail "auth whoami: $(k auth whoami 2>&1)"
fi

# Aggregated discovery: kubectl 1.26+ asks /api and /apis for an APIGroupDiscoveryList (v2,
# or v2beta1 before 1.30) and, when it gets one, requests no per-group documents.
DISC=$WORK/discovery-cache
k --cache-dir "$DISC" -v=8 api-resources -o wide >"$WORK/api-resources.txt" 2>"$WORK/api-resources.log"
grep -qE 'Content-Type: application/json;g=apidiscovery\.k8s\.io;v=v2(beta1)?;as=APIGroupDiscoveryList' "$WORK/api-resources.log" &&
  pass "aggregated discovery served" || fail "no aggregated discovery: $(grep -E 'Content-Type|/api' "$WORK/api-resources.log" | head -8)"
grep -qE '(GET|url=")https://[^ ]*/apis?/[a-z0-9.]+(/v[0-9a-z]+)?\?' "$WORK/api-resources.log" &&
  fail "kubectl fell back to per-group discovery: $(grep -E 'GET|url=' "$WORK/api-resources.log" | head -5)" ||
  pass "no per-group discovery requests"
grep -qE '^deployments +deploy +apps/v1 +true +Deployment +create,delete,deletecollection,get,list,patch,update,watch +all' \
  "$WORK/api-resources.txt" && pass "api-resources from aggregated discovery" ||
  fail "api-resources: $(grep deployments "$WORK/api-resources.txt")"
grep -qE '^nodes +no +v1 +false +Node ' "$WORK/api-resources.txt" && pass "cluster-scoped core resource" ||
  fail "api-resources nodes: $(grep '^nodes' "$WORK/api-resources.txt")"
# explain finds the group, version and kind of a short name through discovery (the schema
# lookup after it is the OpenAPI documents' business).
out=$(k --cache-dir "$DISC" explain deploy 2>&1)
tr -s ' \n' '  ' <<<"$out" | grep -q 'GROUP: apps KIND: Deployment VERSION: v1' &&
  pass "explain resolves through aggregated discovery" || fail "explain: $(head -5 <<<"$out")"

# Table columns of the per-group printers, as the real kubectl shows them.
cat >"$WORK/tables.yaml" <<'YAML'
apiVersion: batch/v1
kind: Job
metadata: {name: tjob}
spec:
  completions: 2
  suspend: true
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: tcron}
spec:
  schedule: "*/5 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: c, image: busybox}]
---
apiVersion: node.k8s.io/v1
kind: RuntimeClass
metadata: {name: trc}
handler: runsc
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: trb}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: treader}
subjects: [{kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: tsts}
spec:
  replicas: 0
  serviceName: tsts
  selector: {matchLabels: {app: tsts}}
  template:
    metadata: {labels: {app: tsts}}
    spec: {containers: [{name: c, image: busybox}]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: tds}
spec:
  selector: {matchLabels: {app: tds}}
  template:
    metadata: {labels: {app: tds}}
    spec:
      nodeSelector: {no-such-label: "true"}
      containers: [{name: c, image: busybox}]
YAML
out=$(k apply -f "$WORK/tables.yaml" 2>&1) || fail "apply tables objects: $out"
out=$(k get job tjob 2>&1)
grep -qE '^NAME +STATUS +COMPLETIONS +DURATION +AGE' <<<"$out" && grep -qE '^tjob +[A-Za-z]+ +0/2 ' <<<"$out" &&
  pass "job table" || fail "job table: $out"
out=$(k get cronjob tcron 2>&1)
grep -qE '^NAME +SCHEDULE +TIMEZONE +SUSPEND +ACTIVE +LAST SCHEDULE +AGE' <<<"$out" &&
  grep -qE '^tcron +\*/5 \* \* \* \* +<none> +(False|<unset>) +[0-9]+ ' <<<"$out" && pass "cronjob table" || fail "cronjob table: $out"
out=$(k get runtimeclass trc 2>&1)
grep -qE '^NAME +HANDLER +AGE' <<<"$out" && grep -qE '^trc +runsc ' <<<"$out" && pass "runtimeclass table" ||
  fail "runtimeclass table: $out"
out=$(k get rolebinding trb -o wide 2>&1)
grep -qE '^NAME +ROLE +AGE +USERS +GROUPS +SERVICEACCOUNTS' <<<"$out" && grep -qE '^trb +Role/treader +[0-9a-z]+ +alice' <<<"$out" &&
  pass "rolebinding wide table" || fail "rolebinding table: $out"
out=$(k get statefulset tsts -o wide 2>&1)
grep -qE '^NAME +READY +AGE +CONTAINERS +IMAGES' <<<"$out" && grep -qE '^tsts +0/0 +[0-9a-z]+ +c +busybox' <<<"$out" &&
  pass "statefulset wide table" || fail "statefulset table: $out"
out=$(k get daemonset tds 2>&1)
grep -qE '^NAME +DESIRED +CURRENT +READY +UP-TO-DATE +AVAILABLE +NODE SELECTOR +AGE' <<<"$out" &&
  grep -qE '^tds +0 +0 +0 +0 +0 +no-such-label=true ' <<<"$out" && pass "daemonset table" || fail "daemonset table: $out"

# Storage, networking and scheduling kinds with kube-apiserver's columns.
cat >"$WORK/tables2.yaml" <<'YAML'
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: tsc
  annotations: {storageclass.kubernetes.io/is-default-class: "true"}
provisioner: example.com/none
reclaimPolicy: Retain
volumeBindingMode: WaitForFirstConsumer
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: tpvc}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: tsc
  resources: {requests: {storage: 1Gi}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: ting}
spec:
  ingressClassName: tic
  tls: [{hosts: [a.example]}]
  rules:
  - host: a.example
    http:
      paths: [{path: /, pathType: Prefix, backend: {service: {name: tsvc, port: {number: 80}}}}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: tnp}
spec:
  podSelector: {matchLabels: {role: db}}
  policyTypes: [Ingress]
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: tpc}
value: 1000
preemptionPolicy: Never
YAML
out=$(k apply -f "$WORK/tables2.yaml" 2>&1) || fail "apply tables2 objects: $out"
out=$(k get storageclass tsc 2>&1)
grep -qE '^NAME +PROVISIONER +RECLAIMPOLICY +VOLUMEBINDINGMODE +ALLOWVOLUMEEXPANSION +AGE' <<<"$out" &&
  grep -qE '^tsc \(default\) +example\.com/none +Retain +WaitForFirstConsumer +false +[0-9]' <<<"$out" &&
  pass "storageclass table" || fail "storageclass table: $out"
out=$(k get pvc tpvc -o wide 2>&1)
grep -qE '^NAME +STATUS +VOLUME +CAPACITY +ACCESS MODES +STORAGECLASS +VOLUMEATTRIBUTESCLASS +AGE +VOLUMEMODE' <<<"$out" &&
  grep -qE '^tpvc +Pending +tsc +<unset> +[0-9a-z]+ +Filesystem' <<<"$out" && pass "pvc wide table" || fail "pvc table: $out"
out=$(k get ingress ting 2>&1)
grep -qE '^NAME +CLASS +HOSTS +ADDRESS +PORTS +AGE' <<<"$out" && grep -qE '^ting +tic +a\.example +80, 443 +[0-9]' <<<"$out" &&
  pass "ingress table" || fail "ingress table: $out"
out=$(k get networkpolicy tnp 2>&1)
grep -qE '^NAME +POD-SELECTOR +AGE' <<<"$out" && grep -qE '^tnp +role=db +[0-9]' <<<"$out" &&
  pass "networkpolicy table" || fail "networkpolicy table: $out"
out=$(k get priorityclass tpc 2>&1)
grep -qE '^NAME +VALUE +GLOBAL-DEFAULT +AGE +PREEMPTIONPOLICY' <<<"$out" && grep -qE '^tpc +1000 +false +[0-9a-z]+ +Never' <<<"$out" &&
  pass "priorityclass table" || fail "priorityclass table: $out"

echo "failures: $failures"
[ "$failures" -eq 0 ]
