#!/usr/bin/env bash
# csrapproving + csrsigning inside `k3s server`: `kubectl certificate approve` of an
# apiserver client CSR gets a certificate that verifies against the client CA and honours
# expirationSeconds; a kubelet client CSR is auto-approved and signed; a kubelet serving
# CSR is signed by the server CA; a CSR breaking its signer's rules is marked Failed.
K3S=${1:?k3s binary}
KUBECTL=${2:?kubectl binary}
source "$(dirname "$0")/job_e2e_lib.sh"
start_named_server csr

CLIENT_CA=$(find "$WORK/data" -name client-ca.crt | head -1)
SERVER_CA=$(find "$WORK/data" -name server-ca.crt | head -1)
[ -s "$CLIENT_CA" ] && [ -s "$SERVER_CA" ] || { fail "CA files not found under the data dir"; finish csr; }

# make_csr <name> <subject> [san]: creates the CertificateSigningRequest object's request.
make_csr() {
  local extra=()
  [ -n "${3:-}" ] && extra=(-addext "subjectAltName=$3")
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$WORK/$1.key" \
    -out "$WORK/$1.csr" -subj "$2" "${extra[@]}" 2>/dev/null
  base64 -w0 <"$WORK/$1.csr"
}
create_csr() {  # create_csr <name> <signer> <usages json> <request> [expirationSeconds]
  local expiration=""
  [ -n "${5:-}" ] && expiration="\"expirationSeconds\": $5,"
  k create -f - >/dev/null <<JSON
{"apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest", "metadata": {"name": "$1"},
 "spec": {"signerName": "$2", $expiration "usages": $3, "request": "$4"}}
JSON
}
cert_of() { k get csr "$1" -o jsonpath='{.status.certificate}' | base64 -d >"$WORK/$1.crt" 2>/dev/null; }

# ---- apiserver client certificate, approved by kubectl --------------------------------
create_csr alice kubernetes.io/kube-apiserver-client '["client auth","digital signature"]' \
  "$(make_csr alice /O=devs/CN=alice)" 3600 || fail "create csr alice"
[ "$(k get csr alice -o jsonpath='{.spec.username}')" = "system:admin" ] && pass "requester recorded in spec.username" \
  || fail "spec.username: $(k get csr alice -o jsonpath='{.spec.username}')"
sleep 1
[ -z "$(k get csr alice -o jsonpath='{.status.certificate}')" ] && pass "not signed before approval" || fail "signed without approval"
k certificate approve alice >/dev/null || fail "kubectl certificate approve"
wait_for "approved condition" "True/KubectlApprove" k get csr alice -o jsonpath='{.status.conditions[?(@.type=="Approved")].status}/{.status.conditions[?(@.type=="Approved")].reason}'
wait_match "certificate issued" '^LS0t' k get csr alice -o jsonpath='{.status.certificate}'
cert_of alice
openssl verify -CAfile "$CLIENT_CA" "$WORK/alice.crt" >/dev/null 2>&1 && pass "alice's certificate verifies against the client CA" \
  || fail "verify: $(openssl verify -CAfile "$CLIENT_CA" "$WORK/alice.crt" 2>&1)"
openssl x509 -in "$WORK/alice.crt" -noout -subject | grep -q 'CN *= *alice' && pass "subject from the CSR" || fail "subject: $(openssl x509 -in "$WORK/alice.crt" -noout -subject)"
not_after=$(date -d "$(openssl x509 -in "$WORK/alice.crt" -noout -enddate | cut -d= -f2)" +%s)
left=$((not_after - $(date +%s)))
[ "$left" -gt 3000 ] && [ "$left" -le 3600 ] && pass "expirationSeconds honoured (${left}s left)" || fail "validity left: ${left}s"
openssl x509 -in "$WORK/alice.crt" -noout -ext extendedKeyUsage 2>/dev/null | grep -q "TLS Web Client Authentication" \
  && pass "client auth usage" || fail "usage: $(openssl x509 -in "$WORK/alice.crt" -noout -ext extendedKeyUsage 2>&1)"
k get csr alice | grep -qE '^alice .*Approved,Issued' && pass "kubectl get csr shows Approved,Issued" || fail "get csr: $(k get csr alice 2>&1)"

# ---- kubelet client certificate: auto-approved ------------------------------------------
create_csr node-client kubernetes.io/kube-apiserver-client-kubelet '["digital signature","client auth"]' \
  "$(make_csr node-client /O=system:nodes/CN=system:node:worker-1)" || fail "create node-client csr"
wait_for "kubelet client CSR auto-approved" "True/AutoApproved" k get csr node-client -o jsonpath='{.status.conditions[?(@.type=="Approved")].status}/{.status.conditions[?(@.type=="Approved")].reason}'
wait_match "kubelet client certificate issued" '^LS0t' k get csr node-client -o jsonpath='{.status.certificate}'
cert_of node-client
openssl verify -CAfile "$CLIENT_CA" "$WORK/node-client.crt" >/dev/null 2>&1 && pass "kubelet client certificate verifies (client CA)" || fail "node-client verify"

# ---- kubelet serving certificate: signed by the server CA --------------------------------
create_csr node-serving kubernetes.io/kubelet-serving '["digital signature","server auth"]' \
  "$(make_csr node-serving /O=system:nodes/CN=system:node:worker-1 DNS:worker-1,IP:10.0.0.9)" || fail "create node-serving csr"
sleep 1
[ -z "$(k get csr node-serving -o jsonpath='{.status.conditions}')" ] && pass "serving CSR not auto-approved" || fail "serving CSR conditions: $(k get csr node-serving -o jsonpath='{.status.conditions}')"
k certificate approve node-serving >/dev/null
wait_match "serving certificate issued" '^LS0t' k get csr node-serving -o jsonpath='{.status.certificate}'
cert_of node-serving
openssl verify -CAfile "$SERVER_CA" "$WORK/node-serving.crt" >/dev/null 2>&1 && pass "serving certificate verifies against the server CA" || fail "node-serving verify"
openssl x509 -in "$WORK/node-serving.crt" -noout -ext subjectAltName 2>/dev/null | grep -q "DNS:worker-1" && pass "serving SANs" || fail "SANs"

# ---- a request its signer refuses --------------------------------------------------------
create_csr bad-serving kubernetes.io/kubelet-serving '["server auth"]' "$(make_csr bad /O=devs/CN=bob DNS:bob)" || fail "create bad csr"
k certificate approve bad-serving >/dev/null
wait_for "signer refuses a non-node subject" "True/SignerValidationFailure/subject organization is not system:nodes" \
  k get csr bad-serving -o jsonpath='{.status.conditions[?(@.type=="Failed")].status}/{.status.conditions[?(@.type=="Failed")].reason}/{.status.conditions[?(@.type=="Failed")].message}'
[ -z "$(k get csr bad-serving -o jsonpath='{.status.certificate}')" ] && pass "no certificate for it" || fail "bad CSR got a certificate"

# ---- deny --------------------------------------------------------------------------------
create_csr mallory kubernetes.io/kube-apiserver-client '["client auth"]' "$(make_csr mallory /CN=mallory)"
k certificate deny mallory >/dev/null || fail "kubectl certificate deny"
sleep 1
[ -z "$(k get csr mallory -o jsonpath='{.status.certificate}')" ] && pass "denied CSR not signed" || fail "denied CSR signed"

finish csr
