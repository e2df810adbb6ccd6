// The pieces kubectl's describers share: the prefix writer whose text goes through Go's
// tabwriter, label/annotation/selector formatting, times and ages, the Events section,
// and the per-kind describers that live in their own files (describe_*.cpp).
#pragma once

#include <chrono>
#include <string>

#include "object/meta.h"
#include "session.h"

namespace k3s::kubectl::describe {

// A field of an object as a value the caller owns (range-for over items() of a temporary
// would dangle); missing and null fields are empty objects.
Json field_of(const Json& o, const char* key);
// A string field, "" when missing or not a string.
std::string str_of(const Json& o, const char* key);

// Lines at nesting levels (two spaces each), cells separated by tabs (kubectl's
// PrefixWriter); text() lays them out as kubectl's tabwriter does.
class Writer {
 public:
  void line(int level, const std::string& text) { out_ += std::string(static_cast<std::size_t>(level) * 2, ' ') + text + "\n"; }
  void field(int level, const std::string& name, const std::string& value) { line(level, name + ":\t" + value); }
  // A map of strings: first entry on the field line, the rest aligned below.
  void map(int level, const std::string& name, const object::StringMap& values, const std::string& separator = "=");
  // kubectl's printAnnotationsMultiline: the last-applied annotation left out, long or
  // multi-line values on lines of their own.
  void annotations(int level, const std::string& name, const object::StringMap& values);
  std::string text() const;

 private:
  std::string out_;
};

// translateTimestampSince's words ("5s", "3m20s", "2d").
std::string human_age(std::chrono::seconds age);
// The age of an RFC 3339 time ("<unknown>" when unparsable).
std::string age_since(const std::string& rfc3339);
// "Sun, 22 Nov 2026 13:37:23 +0000" (Go's RFC1123Z, UTC).
std::string rfc1123(const std::string& rfc3339);

// "a=b,c=d" (sorted), "<none>" when empty.
std::string labels_text(const Json& map);
// metav1.FormatLabelSelector: "a=b,k in (x,y),!z", "<none>" when empty.
std::string selector_text(const Json& label_selector);
// "Kind/Name" of the controller owner reference, "" without one.
std::string controller_of(const Json& o);

// The Events section from the object's events (kubectl's field selector and order), merged
// with the events recorded under `also_uid` (kubelets record node events under the node's
// name instead of its uid).
void events_section(Session& session, Writer& w, const Json& object, const std::string& also_uid = "");

// ---- pod specs (describe_pod.cpp) --------------------------------------------------------
// "Pod Template:" with its labels, annotations, containers, volumes, node selectors and
// tolerations, as the workload describers print it.
void pod_template(Writer& w, const Json& tmpl);
std::string pod(Session& session, const Json& o);

// ---- the other kinds ----------------------------------------------------------------------
std::string node(Session& session, const Json& o);                   // describe_node.cpp
std::string replica_set(Session& session, const Json& o);            // describe_replicaset.cpp
std::string replication_controller(Session& session, const Json& o);  // describe_replicaset.cpp
std::string deployment(Session& session, const Json& o);             // describe_deployment.cpp

}  // namespace k3s::kubectl::describe
