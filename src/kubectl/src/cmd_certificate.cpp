// kubectl certificate approve|deny: adds the Approved or Denied condition to
// CertificateSigningRequests through their /approval subresource.
#include <iostream>

#include "commands.h"
#include "object/meta.h"

namespace k3s::kubectl {
namespace {

void add_certificate_flags(Flags& flags) {
  add_file_flags(flags);
  flags.add("force", 0, false);
  flags.add("output", 'o', true);
  flags.add("allow-missing-template-keys", 0, false, "true");
  flags.add("show-managed-fields", 0, false);
  flags.add("template", 0, true);
}

struct Decision {
  const char* type;      // the condition this command adds
  const char* opposite;  // a condition that refuses it
  const char* reason;
  const char* message;
  const char* verb;
};

constexpr Decision kApprove{"Approved", "Denied", "KubectlApprove", "This CSR was approved by kubectl certificate approve.", "approved"};
constexpr Decision kDeny{"Denied", "Approved", "KubectlDeny", "This CSR was denied by kubectl certificate deny.", "denied"};

// An error of one CSR; kubectl reports them all after trying every CSR.
struct Failure {
  std::optional<client::ApiError> api;
  std::string message;
};

// Adds the condition unless the CSR has it already (then only --force sends it again);
// a conflict re-reads the CSR and tries again, as kubectl does up to ten times.
Json decide(Session& session, const std::string& name, const Decision& d) {
  const auto& gvr = client::resources::kCSRs;
  const bool force = session.flags().boolean("force");
  for (int attempt = 0;; ++attempt) {
    Json csr = session.api().get(gvr, "", name);
    Json& conditions = csr["status"]["conditions"];
    if (!conditions.is_array()) conditions = Json::array();
    bool has = false;
    for (const auto& c : conditions) {
      std::string type = c.value("type", "");
      if (type == d.opposite) throw CommandError("certificate signing request \"" + name + "\" is already " + type);
      if (type == d.type) has = true;
    }
    if (has && !force) return csr;
    if (!has) {
      conditions.push_back({{"type", d.type},
                            {"status", "True"},
                            {"reason", d.reason},
                            {"message", d.message},
                            {"lastUpdateTime", object::format_time(object::now())}});
    }
    try {
      return session.api().request_json("PUT", client::resource_path(gvr, "", name, "approval"), csr.dump());
    } catch (const client::ApiError& e) {
      if (!e.is_conflict() || attempt >= 10) throw;
    }
  }
}

int run_decision(Session& session, const Decision& d) {
  const Flags& f = session.flags();
  std::vector<std::string> names;
  if (f.given("filename")) {
    for (const auto& m : read_manifests(f)) names.push_back(object::name_of(m.object));
  }
  for (const auto& arg : f.positional()) {
    // TYPE/NAME names a CSR as well.
    auto slash = arg.find('/');
    names.push_back(slash == std::string::npos ? arg : arg.substr(slash + 1));
  }
  if (names.empty()) throw CommandError("one or more CSRs must be specified as <name> or -f <filename>");
  client::ResourceInfo info;
  info.gvr = client::resources::kCSRs;
  info.kind = "CertificateSigningRequest";
  std::vector<Failure> failures;
  for (const auto& name : names) {
    try {
      print_result(session, decide(session, name, d), info, d.verb);
    } catch (const client::ApiError& e) {
      failures.push_back({e, ""});
    } catch (const CommandError& e) {
      failures.push_back({std::nullopt, e.what()});
    }
  }
  if (failures.empty()) return 0;
  if (failures.size() == 1) {
    if (failures[0].api) throw *failures[0].api;
    throw CommandError(failures[0].message);
  }
  // Several errors: one line each, without the "error: " prefix.
  for (const auto& failure : failures) std::cerr << (failure.api ? api_error_text(*failure.api) : failure.message) << "\n";
  return 1;
}

int run_approve(Session& session) { return run_decision(session, kApprove); }
int run_deny(Session& session) { return run_decision(session, kDeny); }

// `kubectl certificate` alone prints the group's help and succeeds.
int run_certificate(Session&) {
  std::cout << "Modify certificate resources.\n\n"
               "Available Commands:\n"
               "  approve       Approve a certificate signing request\n"
               "  deny          Deny a certificate signing request\n\n"
               "Usage:\n  kubectl certificate SUBCOMMAND [options]\n\n"
               "Use \"kubectl certificate <command> --help\" for more information about a given command.\n"
               "Use \"kubectl options\" for a list of global command-line options (applies to all commands).\n";
  return 0;
}

}  // namespace

std::vector<CommandDef> certificate_commands() {
  return {
      {"certificate", nullptr, run_certificate},
      {"certificate approve", add_certificate_flags, run_approve},
      {"certificate deny", add_certificate_flags, run_deny},
  };
}

}  // namespace k3s::kubectl
