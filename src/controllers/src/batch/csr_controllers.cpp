// "csrapproving" approves kubelet client certificate requests that the requester may make
// (asked with a SubjectAccessReview, as kube's approver does); "csrsigning" issues the
// certificate of every approved request for the built-in signers: kubelet client and
// apiserver client certificates from the client CA, kubelet serving ones from the server CA.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "batch/controllers.h"
#include "batch/csr_request.h"
#include "object/meta.h"
#include "pki/pki.h"
#include "util/base64.h"

namespace k3s::controllers::batch {

namespace {

using client::resources::kCSRs;
namespace chrono = std::chrono;

constexpr const char* kKubeletClientSigner = "kubernetes.io/kube-apiserver-client-kubelet";
constexpr const char* kApiserverClientSigner = "kubernetes.io/kube-apiserver-client";
constexpr const char* kKubeletServingSigner = "kubernetes.io/kubelet-serving";

bool has_condition(const Json& csr, const std::string& type) {
  for (const auto& c : csr.value("status", Json::object()).value("conditions", Json::array()))
    if (c.value("type", "") == type && c.value("status", "True") == "True") return true;
  return false;
}

class CsrApprovingController : public QueueController {
 public:
  explicit CsrApprovingController(ControllerContext& context)
      : QueueController(context, "csrapproving"), csrs_(informers().informer_for(kCSRs)) {
    csrs_->add_event_handler(enqueue_handlers(Deletes::ignore));
  }

 protected:
  void sync(const std::string& key) override {
    const ObjectPtr cached = csrs_->indexer().get(key);
    if (!cached) return;
    Json csr = *cached;
    if (has_condition(csr, "Approved") || has_condition(csr, "Denied")) return;
    const Json spec = csr.value("spec", Json::object());
    if (spec.value("signerName", "") != kKubeletClientSigner) return;
    CsrSubject subject;
    try {
      subject = parse_csr_request(spec.value("request", ""));
    } catch (const std::exception&) {
      return;  // the signer marks it Failed
    }
    if (!kubelet_client_problem(subject, spec.value("usages", Json::array())).empty()) return;
    // A node renewing its own certificate, or a bootstrapping client creating a node's.
    const bool self = spec.value("username", "") == subject.common_name;
    if (!allowed(spec, self ? "selfnodeclient" : "nodeclient")) return;
    const std::string now = object::format_time(object::now());
    csr["status"]["conditions"].push_back({{"type", "Approved"},
                                           {"status", "True"},
                                           {"reason", "AutoApproved"},
                                           {"message", "Auto approving kubelet client certificate after SubjectAccessReview."},
                                           {"lastUpdateTime", now},
                                           {"lastTransitionTime", now}});
    csr["apiVersion"] = "certificates.k8s.io/v1";
    csr["kind"] = "CertificateSigningRequest";
    api().request_json("PUT", client::resource_path(kCSRs, "", object::name_of(csr), "approval"), csr.dump());
  }

 private:
  bool allowed(const Json& spec, const std::string& subresource) {
    Json review = {{"apiVersion", "authorization.k8s.io/v1"},
                   {"kind", "SubjectAccessReview"},
                   {"spec",
                    {{"user", spec.value("username", "")},
                     {"groups", spec.value("groups", Json::array())},
                     {"resourceAttributes",
                      {{"group", "certificates.k8s.io"},
                       {"resource", "certificatesigningrequests"},
                       {"verb", "create"},
                       {"subresource", subresource}}}}}};
    if (spec.contains("uid")) review["spec"]["uid"] = spec["uid"];
    const Json answer =
        api().request_json("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", review.dump());
    return answer.value("status", Json::object()).value("allowed", false);
  }

  std::shared_ptr<client::SharedInformer> csrs_;
};

class CsrSigningController : public QueueController {
 public:
  explicit CsrSigningController(ControllerContext& context)
      : QueueController(context, "csrsigning"), csrs_(informers().informer_for(kCSRs)) {
    csrs_->add_event_handler(enqueue_handlers(Deletes::ignore));
  }

 protected:
  void sync(const std::string& key) override {
    const ObjectPtr cached = csrs_->indexer().get(key);
    if (!cached) return;
    Json csr = *cached;
    if (!has_condition(csr, "Approved") || has_condition(csr, "Denied") || has_condition(csr, "Failed")) return;
    if (!csr.value("status", Json::object()).value("certificate", "").empty()) return;
    const Json spec = csr.value("spec", Json::object());
    const std::string signer = spec.value("signerName", "");
    pki::CertificateAuthority ca;
    if (signer == kKubeletClientSigner || signer == kApiserverClientSigner)
      ca = {options().client_ca_cert_file, options().client_ca_key_file};
    else if (signer == kKubeletServingSigner)
      ca = {options().server_ca_cert_file, options().server_ca_key_file};
    else
      return;  // another signer's request
    if (ca.cert_file.empty() || ca.key_file.empty()) return;  // no CA configured for it

    const Json usages = spec.value("usages", Json::array());
    std::string problem;
    CsrSubject subject;
    try {
      subject = parse_csr_request(spec.value("request", ""));
      problem = signer == kKubeletClientSigner    ? kubelet_client_problem(subject, usages)
                : signer == kKubeletServingSigner ? kubelet_serving_problem(subject, usages)
                                                  : apiserver_client_problem(subject, usages);
    } catch (const std::exception& e) {
      problem = e.what();
    }
    csr["apiVersion"] = "certificates.k8s.io/v1";
    csr["kind"] = "CertificateSigningRequest";
    if (!problem.empty()) {
      const std::string now = object::format_time(object::now());
      csr["status"]["conditions"].push_back({{"type", "Failed"},
                                             {"status", "True"},
                                             {"reason", "SignerValidationFailure"},
                                             {"message", problem},
                                             {"lastUpdateTime", now},
                                             {"lastTransitionTime", now}});
      api().update_status(kCSRs, csr);
      return;
    }
    pki::CertRequest request;
    const auto usage_has = [&](const char* u) { return std::find(usages.begin(), usages.end(), Json(u)) != usages.end(); };
    request.client_auth = usage_has("client auth");
    request.server_auth = usage_has("server auth");
    // The shorter of the requested lifetime and --cluster-signing-duration.
    std::int64_t seconds = options().cluster_signing_duration.count();
    if (spec.contains("expirationSeconds") && spec["expirationSeconds"].is_number_integer())
      seconds = std::min<std::int64_t>(seconds, std::max<std::int64_t>(600, spec["expirationSeconds"].get<std::int64_t>()));
    request.valid_seconds = static_cast<long>(seconds);
    const std::string pem = pki::sign_csr(ca, util::base64_decode(spec.value("request", "")), request);
    csr["status"]["certificate"] = util::base64_encode(pem);
    api().update_status(kCSRs, csr);
  }

 private:
  std::shared_ptr<client::SharedInformer> csrs_;
};

}  // namespace

std::unique_ptr<Controller> make_csr_approving_controller(ControllerContext& context) {
  return std::make_unique<CsrApprovingController>(context);
}

std::unique_ptr<Controller> make_csr_signing_controller(ControllerContext& context) {
  return std::make_unique<CsrSigningController>(context);
}

}  // namespace k3s::controllers::batch
