// A request line's method and target as the HTTP server splits it and the API server
// reads it: percent-decoded path, query parameters, RequestInfo, the watch flag and the
// selectors named in the query. Input: "<METHOD> <target>" (the first space separates).
#include "fuzz_input.h"
#include "http/message.h"
#include "object/fields.h"
#include "object/labels.h"
#include "request_info.h"

using namespace k3s;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string input = fuzz::as_string(data, size);
  auto space = input.find(' ');
  std::string method = space == std::string::npos ? "GET" : input.substr(0, space);
  std::string target = space == std::string::npos ? input : input.substr(space + 1);
  std::string path, query;
  http::split_target(target, path, query);
  std::map<std::string, std::string> params;
  for (auto& [k, v] : http::parse_query(query)) params[k] = v;
  bool watch = params.count("watch") && apiserver::is_true_query_value(params["watch"]);
  apiserver::RequestInfo info = apiserver::parse_request_info(method, path, watch);
  (void)info;
  try {
    if (auto name = object::fields::Selector::parse(params["fieldSelector"]).requires_exact_match("metadata.name"))
      (void)name->size();
  } catch (const object::fields::SelectorError&) {
  }
  try {
    (void)object::labels::Selector::parse(params["labelSelector"]);
  } catch (const object::labels::SelectorError&) {
  }
  return 0;
}
