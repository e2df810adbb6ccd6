// Table printers of the API groups that serve a single printed kind: policy/v1
// PodDisruptionBudget, certificates.k8s.io/v1 CertificateSigningRequest,
// coordination.k8s.io/v1 Lease and scheduling.k8s.io/v1 PriorityClass.
#include "tables_internal.h"
#include "util/strings.h"

namespace k3s::apiserver::tables {

namespace {

// MIN AVAILABLE / MAX UNAVAILABLE hold an int or a percent string; "N/A" when unset.
std::string int_or_percent(const Json& spec, const char* field) {
  if (!spec.contains(field) || spec[field].is_null()) return "N/A";
  return spec[field].is_string() ? spec[field].get<std::string>() : spec[field].dump();
}

// CONDITION: Denied over Approved over Pending (by condition type alone, as kube reads them),
// then ",Failed" and ",Issued" once a certificate is there.
std::string csr_condition(const Json& o) {
  bool approved = false, denied = false, failed = false;
  for (const auto& c : array_at(o, "/status/conditions")) {
    const std::string type = string_at(c, "/type", "");
    approved = approved || type == "Approved";
    denied = denied || type == "Denied";
    failed = failed || type == "Failed";
  }
  std::string text = denied ? "Denied" : approved ? "Approved" : "Pending";
  if (failed) text += ",Failed";
  if (!string_at(o, "/status/certificate", "").empty()) text += ",Issued";
  return text;
}

std::string requested_duration(const Json& o) {
  if (!o.contains(Json::json_pointer("/spec/expirationSeconds"))) return "<none>";
  const int64_t seconds = int_at(o, "/spec/expirationSeconds");
  return seconds % 3600 == 0 ? std::to_string(seconds / 3600) + "h"
         : seconds % 60 == 0 ? std::to_string(seconds / 60) + "m"
                             : std::to_string(seconds) + "s";
}

}  // namespace

void add_misc_printers(PrinterMap& map) {
  map["policy/PodDisruptionBudget"] = {{name_column(),
                                        {"Min Available", "string", "", "Pods that must stay available (absolute or percent).", 0},
                                        {"Max Unavailable", "string", "", "Pods that may be unavailable (absolute or percent).", 0},
                                        {"Allowed Disruptions", "integer", "", "Evictions allowed right now.", 0},
                                        age_column()},
                                       [](const Json& o, const std::string& age, object::Timestamp) {
                                         const Json spec = o.value("spec", Json::object());
                                         return Row{object::name_of(o), int_or_percent(spec, "minAvailable"),
                                                    int_or_percent(spec, "maxUnavailable"),
                                                    int_at(o, "/status/disruptionsAllowed"), age};
                                       }};
  map["certificates.k8s.io/CertificateSigningRequest"] = {
      {name_column(), age_column(),
       {"SignerName", "string", "", "Who is asked to sign.", 0},
       {"Requestor", "string", "", "Who asked.", 0},
       {"RequestedDuration", "string", "", "The validity asked for.", 0},
       {"Condition", "string", "", "Approved/Denied/Failed conditions, and Issued once signed.", 0}},
      [](const Json& o, const std::string& age, object::Timestamp) {
        return Row{object::name_of(o), age, str_or(o, "/spec/signerName"), str_or(o, "/spec/username"),
                   requested_duration(o), csr_condition(o)};
      }};
  map["coordination.k8s.io/Lease"] = {{name_column(), {"Holder", "string", "", "The holder of the lease.", 0}, age_column()},
                                      [](const Json& o, const std::string& age, object::Timestamp) {
                                        return Row{object::name_of(o), str_or(o, "/spec/holderIdentity", ""), age};
                                      }};
  // PREEMPTIONPOLICY is a default column in kube, not an -o wide one.
  map["scheduling.k8s.io/PriorityClass"] = {{name_column(),
                                             {"Value", "integer", "", "The priority pods of this class get.", 0},
                                             {"Global-Default", "boolean", "", "Whether pods without a class get this one.", 0},
                                             age_column(),
                                             {"PreemptionPolicy", "string", "", "Whether pods of this class preempt others.", 0}},
                                            [](const Json& o, const std::string& age, object::Timestamp) {
                                              return Row{object::name_of(o), int_at(o, "/value"), bool_at(o, "/globalDefault", false),
                                                         age, string_at(o, "/preemptionPolicy", "")};
                                            }};
}

}  // namespace k3s::apiserver::tables
