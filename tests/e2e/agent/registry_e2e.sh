#!/usr/bin/env bash
# Pulling from a private registry configured by registries.yaml, with `k3s server`, its
# embedded agent, real containerd and the real kubectl:
#  - Debian's docker-registry serves on 127.0.0.1 with TLS (a CA made by openssl) and htpasswd
#    (bcrypt) authentication; skopeo pushes the project's busybox test image to it as
#    e2e/busybox:test;
#  - registries.yaml mirrors a registry name that does not resolve (registry.example.test) to
#    it with the rewrite "^(.*)$" -> "e2e/$1" and gives the mirror's CA and credentials; a pod
#    of registry.example.test/busybox:test reaches Running, and the registry's log shows
#    containerd fetching e2e/busybox (the rewritten name) with the htpasswd credentials;
#  - a second mirror's rewrite that is not a plain prefix (library/<name> -> e2e/<name>) is
#    one Debian's containerd 1.6 cannot apply (k3s's containerd build can): the agent warns.
# Only the pause image is imported from disk, so the busybox image can only come from the
# registry. Everything runs in private mount and network namespaces (node_in_namespace.sh, as
# the kubelet e2e), so the registry, containerd and the pods are this test's own and are
# killed at the end.
set -uo pipefail
NODE=registry-e2e
for tool in docker-registry skopeo openssl python3; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool missing (scripts/deps.sh test)"; exit 1; }
done
# shellcheck source=../lib/node_in_namespace.sh
source "$(dirname "$0")/../lib/node_in_namespace.sh"
enter_node_namespaces "$0" "$@"
# The pause image only: the busybox image must come from the registry.
rm -f "$DATA/agent/images/k3s-airgap-images-amd64.tar"
cp "$IMAGES_DIR/pause.tar" "$DATA/agent/images/"
RPORT=5443
REG_USER=e2e
REG_PASS=e2e-registry-secret
REGISTRY_PID=""
stop_registry_node_and_report() {
  [ -n "$REGISTRY_PID" ] && { kill -TERM "$REGISTRY_PID" 2>/dev/null; wait "$REGISTRY_PID" 2>/dev/null; }
  [ "${failures:-0}" -ne 0 ] && { echo "--- registry log (tail)"; tail -20 "$WORK/registry.log"; }
  stop_node_and_report
}
trap stop_registry_node_and_report EXIT

# ---- the registry: TLS from its own CA, bcrypt htpasswd ----
mkdir -p "$WORK/certs" "$WORK/registry"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/certs/ca.key" -out "$WORK/certs/ca.crt" -days 2 \
  -subj "/CN=e2e-registry-ca" -addext basicConstraints=critical,CA:TRUE 2>/dev/null || { fail "openssl CA"; exit 1; }
openssl req -newkey rsa:2048 -nodes -keyout "$WORK/certs/registry.key" -out "$WORK/certs/registry.csr" \
  -subj "/CN=127.0.0.1" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$WORK/certs/ext"
openssl x509 -req -in "$WORK/certs/registry.csr" -CA "$WORK/certs/ca.crt" -CAkey "$WORK/certs/ca.key" \
  -CAcreateserial -days 2 -extfile "$WORK/certs/ext" -out "$WORK/certs/registry.crt" 2>/dev/null ||
  { fail "openssl registry cert"; exit 1; }
# Debian's libxcrypt makes bcrypt hashes ($2b$), the only htpasswd format the registry takes.
hash=$(python3 -W ignore -c 'import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH)))' "$REG_PASS")
[[ $hash == \$2* ]] || { fail "no bcrypt from python3 crypt: $hash"; exit 1; }
echo "$REG_USER:$hash" >"$WORK/htpasswd"
cat >"$WORK/registry.yml" <<YAML
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: $WORK/registry
http:
  addr: 127.0.0.1:$RPORT
  tls:
    certificate: $WORK/certs/registry.crt
    key: $WORK/certs/registry.key
auth:
  htpasswd:
    realm: e2e
    path: $WORK/htpasswd
YAML
docker-registry serve "$WORK/registry.yml" >"$WORK/registry.log" 2>&1 &
REGISTRY_PID=$!
wait_for "registry answers over TLS and asks for credentials" 30 "401" \
  curl -s -o /dev/null -w '%{http_code}' --cacert "$WORK/certs/ca.crt" "https://127.0.0.1:$RPORT/v2/"
wait_for "registry accepts the htpasswd credentials" 10 "200" \
  curl -s -o /dev/null -w '%{http_code}' --cacert "$WORK/certs/ca.crt" -u "$REG_USER:$REG_PASS" "https://127.0.0.1:$RPORT/v2/"
mkdir -p "$WORK/skopeo-certs"
cp "$WORK/certs/ca.crt" "$WORK/skopeo-certs/ca.crt"
if skopeo copy --quiet --dest-cert-dir "$WORK/skopeo-certs" --dest-creds "$REG_USER:$REG_PASS" \
  "docker-archive:$IMAGES_DIR/busybox.tar" "docker://127.0.0.1:$RPORT/e2e/busybox:test" >"$WORK/skopeo.log" 2>&1; then
  pass "skopeo pushed the busybox test image as e2e/busybox:test"
else
  fail "skopeo push: $(tail -3 "$WORK/skopeo.log")"; exit 1
fi
pushed_lines=$(wc -l <"$WORK/registry.log")

# ---- registries.yaml: a mirror with a rewrite, the mirror's CA and credentials ----
cat >"$WORK/registries.yaml" <<YAML
mirrors:
  registry.example.test:
    endpoint:
      - "https://127.0.0.1:$RPORT"
    rewrite:
      "^(.*)$": "e2e/\$1"
  other.example.test:
    endpoint:
      - "https://127.0.0.1:$RPORT"
    rewrite:
      "^library/(.*)": "e2e/\$1"
configs:
  "127.0.0.1:$RPORT":
    auth:
      username: $REG_USER
      password: $REG_PASS
    tls:
      ca_file: $WORK/certs/ca.crt
YAML

start_node_server --private-registry "$WORK/registries.yaml"
wait_for_node_ready
HOSTS_TOML=$DATA/agent/etc/containerd/certs.d/registry.example.test/hosts.toml
grep -q "127.0.0.1:$RPORT" "$HOSTS_TOML" 2>/dev/null && pass "containerd hosts.toml for the mirrored name written" ||
  fail "no hosts.toml at $HOSTS_TOML"
grep -q "host.\"https://127.0.0.1:$RPORT/v2/e2e\"" "$HOSTS_TOML" && grep -q 'override_path = true' "$HOSTS_TOML" &&
  pass "the prefix rewrite is the mirror's API path in hosts.toml" || fail "hosts.toml: $(cat "$HOSTS_TOML")"
grep -q 'the rewrite rules of mirror other.example.test are not applied by containerd' "$WORK/log" &&
  pass "the agent warns about the rewrite this containerd cannot apply" || fail "no warning about unapplied rewrites"
grep -q 'mirror registry.example.test are not applied' "$WORK/log" && fail "warned about the applied prefix rewrite" ||
  pass "no warning for the prefix rewrite"
crictl images -q 2>/dev/null | wc -l | grep -qx 1 && pass "only the pause image is present before the pod" ||
  fail "unexpected images before the pod: $(crictl images 2>&1)"

# ---- a pod whose image only the private registry has, under another name ----
k apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: from-registry}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: registry.example.test/busybox:test
    command: ["sh", "-c", "echo pulled-from-mirror; exec sleep 3600"]
YAML
wait_for "pod of the mirrored, rewritten image reaches Running" 180 "Running" \
  k get pod from-registry -o jsonpath='{.status.phase}'
wait_for "the container runs the pulled image" 30 "registry.example.test/busybox:test" \
  k get pod from-registry -o jsonpath='{.status.containerStatuses[0].image}'
tail -n +"$((pushed_lines + 1))" "$WORK/registry.log" >"$WORK/registry-pull.log"
grep -q '"GET /v2/e2e/busybox/manifests/[^ ]* HTTP/1.1" 200 .*"containerd/' "$WORK/registry-pull.log" &&
  pass "the registry log shows containerd fetching the e2e/busybox manifest (the rewritten name)" ||
  fail "no containerd manifest fetch of e2e/busybox in the registry log"
# The registry logs "authorized request" only for valid htpasswd credentials.
grep -q 'msg="authorized request".*http.request.uri="/v2/e2e/busybox/blobs/.*useragent="containerd/' "$WORK/registry-pull.log" &&
  pass "containerd fetched the layers with the htpasswd credentials" || fail "no authorized blob fetch in the registry log"
k logs from-registry 2>/dev/null | grep -q pulled-from-mirror && pass "container output" || fail "no container output"

k delete pod from-registry --grace-period=0 --force >/dev/null 2>&1
[ "$failures" -eq 0 ] && echo "PASS" || { echo "$failures failure(s)"; exit 1; }
