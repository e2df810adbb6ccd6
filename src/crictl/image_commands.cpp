#include <iostream>
#include <set>

#include "args.h"
#include "commands.h"
#include "output.h"

namespace k3s::crictl {
namespace {

// "docker.io/library/busybox:1.36" -> {"docker.io/library/busybox", "1.36"}; the colon of
// a registry port is not a tag separator.
std::pair<std::string, std::string> split_tag(const std::string& ref) {
  auto slash = ref.rfind('/');
  auto colon = ref.rfind(':');
  if (colon == std::string::npos || (slash != std::string::npos && colon < slash)) return {ref, "<none>"};
  return {ref.substr(0, colon), ref.substr(colon + 1)};
}

std::string digest_of(const std::string& repo_digest) {
  auto at = repo_digest.find('@');
  return at == std::string::npos ? repo_digest : repo_digest.substr(at + 1);
}

}  // namespace

int cmd_images(cri::Client& client, const Args& args) {
  ParsedArgs parsed(args, {{"quiet", 'q', false}, {"output", 'o', true}, {"digests", 0, false},
                           {"no-trunc", 0, false}, {"verbose", 'v', false}, {"pinned", 0, false}});
  cri::v1::ImageFilter filter;
  if (!parsed.positional().empty()) filter.mutable_image()->set_image(parsed.positional().front());
  auto images = client.list_images(filter);
  auto format = parsed.value("output", "table");
  if (format == "json") {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& i : images) items.push_back(to_json(i));
    std::cout << nlohmann::json{{"images", items}}.dump(2) << "\n";
    return 0;
  }
  if (format != "table") throw UsageError("unsupported output format \"" + format + "\" (json, table)");
  bool no_trunc = parsed.has("no-trunc");
  if (parsed.has("quiet")) {
    for (const auto& i : images) std::cout << i.id() << "\n";
    return 0;
  }
  bool digests = parsed.has("digests");
  std::vector<std::string> header{"IMAGE", "TAG"};
  if (digests) header.push_back("DIGEST");
  header.insert(header.end(), {"IMAGE ID", "SIZE"});
  Table table(header);
  for (const auto& i : images) {
    std::string digest = i.repo_digests().empty() ? "<none>" : digest_of(i.repo_digests(0));
    auto add = [&](const std::string& repo, const std::string& tag) {
      std::vector<std::string> row{repo, tag};
      if (digests) row.push_back(listed_id(digest, no_trunc));
      row.push_back(listed_id(i.id(), no_trunc));
      row.push_back(human_size(static_cast<double>(i.size())));
      table.add(std::move(row));
    };
    if (i.repo_tags().empty()) {
      std::string repo = "<none>";
      if (!i.repo_digests().empty()) repo = i.repo_digests(0).substr(0, i.repo_digests(0).find('@'));
      add(repo, "<none>");
    }
    for (const auto& tag : i.repo_tags()) {
      auto [repo, t] = split_tag(tag);
      add(repo, t);
    }
  }
  table.print(std::cout);
  return 0;
}

int cmd_inspecti(cri::Client& client, const Args& args) {
  ParsedArgs parsed(args, {{"output", 'o', true}, {"quiet", 'q', false}});
  if (parsed.positional().empty()) throw UsageError("usage: crictl inspecti IMAGE-ID [IMAGE-ID...]");
  int rc = 0;
  for (const auto& ref : parsed.positional()) {
    auto status = client.image_status(ref, !parsed.has("quiet"));
    if (!status.has_image()) {
      std::cerr << "no such image \"" << ref << "\" present\n";
      rc = 1;
      continue;
    }
    print_inspection(std::cout, status.image(), status.info());
  }
  return rc;
}

int cmd_pull(cri::Client& client, const Args& args) {
  ParsedArgs parsed(args, {{"creds", 0, true}, {"auth", 0, true}, {"username", 'u', true}, {"password", 0, true},
                           {"pod-config", 'p', true}});
  if (parsed.positional().size() != 1) throw UsageError("usage: crictl pull [--creds USER:PASS] IMAGE");
  cri::v1::AuthConfig auth;
  bool with_auth = false;
  if (parsed.has("creds")) {
    auto creds = parsed.value("creds");
    auto colon = creds.find(':');
    auth.set_username(creds.substr(0, colon));
    if (colon != std::string::npos) auth.set_password(creds.substr(colon + 1));
    with_auth = true;
  }
  if (parsed.has("username")) {
    auth.set_username(parsed.value("username"));
    auth.set_password(parsed.value("password"));
    with_auth = true;
  }
  if (parsed.has("auth")) {
    auth.set_auth(parsed.value("auth"));
    with_auth = true;
  }
  auto ref = client.pull_image(parsed.positional().front(), with_auth ? &auth : nullptr);
  std::cout << "Image is up to date for " << ref << "\n";
  return 0;
}

int cmd_rmi(cri::Client& client, const Args& args) {
  ParsedArgs parsed(args, {{"all", 'a', false}, {"prune", 'q', false}});
  std::vector<std::string> ids = parsed.positional();
  if (parsed.has("all") || parsed.has("prune")) {
    std::set<std::string> in_use;
    if (parsed.has("prune")) {
      for (const auto& c : client.list_containers()) {
        in_use.insert(c.image_ref());
        in_use.insert(c.image_id());
        in_use.insert(c.image().image());
      }
    }
    for (const auto& image : client.list_images()) {
      if (!in_use.count(image.id()) && !image.pinned()) ids.push_back(image.id());
    }
  } else if (ids.empty()) {
    throw UsageError("usage: crictl rmi [--all|--prune] IMAGE-ID [IMAGE-ID...]");
  }
  int rc = 0;
  for (const auto& ref : ids) {
    auto status = client.image_status(ref);
    if (!status.has_image()) {
      std::cerr << "no such image " << ref << "\n";
      rc = 1;
      continue;
    }
    client.remove_image(status.image().id());
    for (const auto& tag : status.image().repo_tags()) std::cout << "Deleted: " << tag << "\n";
    if (status.image().repo_tags().empty()) std::cout << "Deleted: " << status.image().id() << "\n";
  }
  return rc;
}

}  // namespace k3s::crictl
