#include "object/validation.h"

#include <gtest/gtest.h>

namespace k3s::object {
namespace {

const std::string kLabelMsg =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end "
    "with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const std::string kSubdomainMsg =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start "
    "and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

using Errs = std::vector<std::string>;

TEST(Dns1123Label, Checks) {
  for (auto ok : {"a", "0", "my-name", "123-abc", "a-b-c"}) EXPECT_TRUE(is_dns1123_label(ok).empty()) << ok;
  EXPECT_EQ(is_dns1123_label("Foo"), Errs{kLabelMsg});
  EXPECT_EQ(is_dns1123_label(""), Errs{kLabelMsg});
  EXPECT_EQ(is_dns1123_label("-a"), Errs{kLabelMsg});
  EXPECT_EQ(is_dns1123_label("a-"), Errs{kLabelMsg});
  EXPECT_EQ(is_dns1123_label("a.b"), Errs{"must not contain dots"});
  EXPECT_TRUE(is_dns1123_label(std::string(63, 'a')).empty());
  EXPECT_EQ(is_dns1123_label(std::string(64, 'a')), Errs{"must be no more than 63 characters"});
}

TEST(Dns1123Subdomain, Checks) {
  for (auto ok : {"a", "example.com", "a.b-c.d", "1.2.3.4"}) EXPECT_TRUE(is_dns1123_subdomain(ok).empty()) << ok;
  for (auto bad : {"", ".", "a..b", "a.", ".a", "A.b", "a_b", "a.-b"}) {
    EXPECT_EQ(is_dns1123_subdomain(bad), Errs{kSubdomainMsg}) << bad;
  }
  std::string long_name(254, 'a');
  EXPECT_EQ(is_dns1123_subdomain(long_name), (Errs{"must be no more than 253 characters"}));
  EXPECT_EQ(is_dns1123_subdomain(long_name + "-"), (Errs{"must be no more than 253 characters", kSubdomainMsg}));
}

TEST(Dns1035Label, Checks) {
  EXPECT_TRUE(is_dns1035_label("my-svc").empty());
  auto errs = is_dns1035_label("1abc");
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0],
            "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
            "character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for "
            "validation is '[a-z]([-a-z0-9]*[a-z0-9])?')");
}

TEST(PathSegmentName, AllowsColonsButNotSlashesPercentOrDots) {
  EXPECT_TRUE(is_path_segment_name("system:node").empty());
  EXPECT_EQ(is_path_segment_name(".."), (Errs{"may not be '..'"}));
  EXPECT_EQ(is_path_segment_name("."), (Errs{"may not be '.'"}));
  EXPECT_EQ(is_path_segment_name("a/b%c"), (Errs{"may not contain '/'", "may not contain '%'"}));
}

TEST(QualifiedName, Checks) {
  for (auto ok : {"app", "app.kubernetes.io/name", "k8s.io/A_b.c", "a"}) EXPECT_TRUE(is_qualified_name(ok).empty()) << ok;
  EXPECT_EQ(is_qualified_name("/a"), Errs{"prefix part must be non-empty"});
  EXPECT_EQ(is_qualified_name("a/"),
            (Errs{"name part must be non-empty",
                  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
                  "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
                  "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"}));
  EXPECT_EQ(is_qualified_name("Bad_/x"), Errs{"prefix part " + kSubdomainMsg});
  EXPECT_EQ(is_qualified_name(std::string(64, 'a')).front(), "name part must be no more than 63 characters");
  EXPECT_EQ(is_qualified_name("a/b/c").size(), 1u);
}

TEST(LabelValue, Checks) {
  EXPECT_TRUE(is_valid_label_value("").empty());
  EXPECT_TRUE(is_valid_label_value("v1.2_x-y").empty());
  EXPECT_EQ(is_valid_label_value("-x").size(), 1u);
  EXPECT_EQ(is_valid_label_value("a b").size(), 1u);
  EXPECT_EQ(is_valid_label_value(std::string(64, 'a')), Errs{"must be no more than 63 characters"});
}

TEST(Identifiers, CIdentifierEnvVarConfigKey) {
  EXPECT_TRUE(is_c_identifier("_my_Name1").empty());
  EXPECT_EQ(is_c_identifier("1abc").size(), 1u);
  EXPECT_EQ(is_c_identifier("").size(), 1u);
  EXPECT_TRUE(is_env_var_name("MY_ENV.NAME-1").empty());
  EXPECT_EQ(is_env_var_name("1X").size(), 1u);
  EXPECT_EQ(is_env_var_name(".."), (Errs{"must not be '..'"}));
  EXPECT_EQ(is_env_var_name("..a"), (Errs{"must not start with '..'"}));
  EXPECT_EQ(is_env_var_name("."), (Errs{"must not be '.'"}));
  EXPECT_TRUE(is_config_map_key("key.name").empty());
  EXPECT_EQ(is_config_map_key("a/b").size(), 1u);
  EXPECT_EQ(is_config_map_key("..").size(), 1u);
}

TEST(Ports, NumbersAndNames) {
  EXPECT_TRUE(is_valid_port_num(1).empty());
  EXPECT_TRUE(is_valid_port_num(65535).empty());
  EXPECT_EQ(is_valid_port_num(0), Errs{"must be between 1 and 65535, inclusive"});
  EXPECT_EQ(is_valid_port_num(65536), Errs{"must be between 1 and 65535, inclusive"});
  EXPECT_EQ(is_in_range(5, 30000, 32767), Errs{"must be between 30000 and 32767, inclusive"});
  EXPECT_TRUE(is_valid_port_name("http").empty());
  EXPECT_TRUE(is_valid_port_name("h2-c").empty());
  EXPECT_EQ(is_valid_port_name("123"), Errs{"must contain at least one letter (a-z)"});
  EXPECT_EQ(is_valid_port_name("a--b"), Errs{"must not contain consecutive hyphens"});
  EXPECT_EQ(is_valid_port_name("-ab"), Errs{"must not begin or end with a hyphen"});
  EXPECT_EQ(is_valid_port_name("HTTP"),
            (Errs{"must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
                  "must contain at least one letter (a-z)"}));
  EXPECT_EQ(is_valid_port_name("abcdefghijklmnop").front(), "must be no more than 15 characters");
}

TEST(Misc, WildcardHeaderPercent) {
  EXPECT_TRUE(is_wildcard_dns1123_subdomain("*.example.com").empty());
  EXPECT_EQ(is_wildcard_dns1123_subdomain("example.com").size(), 1u);
  EXPECT_TRUE(is_http_header_name("X-Header").empty());
  EXPECT_EQ(is_http_header_name("X Header").size(), 1u);
  EXPECT_TRUE(is_valid_percent("25%").empty());
  EXPECT_EQ(is_valid_percent("%").size(), 1u);
  EXPECT_EQ(is_valid_percent("2.5%").size(), 1u);
}

TEST(Addresses, IpAndCidr) {
  EXPECT_TRUE(is_ipv4("10.43.0.1"));
  EXPECT_FALSE(is_ipv4("10.43.0"));
  EXPECT_FALSE(is_ipv4("010.1.1.1"));
  EXPECT_FALSE(is_ipv4("256.1.1.1"));
  EXPECT_TRUE(is_ipv6("2001:db8::1"));
  EXPECT_TRUE(is_ipv6("::"));
  EXPECT_FALSE(is_ipv6("::ffff:1.2.3.4"));
  EXPECT_FALSE(is_ip("example.com"));
  EXPECT_FALSE(is_ip(""));
  EXPECT_EQ(canonical_ip("2001:0db8:0:0::1"), "2001:db8::1");
  EXPECT_EQ(canonical_ip("nope"), "");
  EXPECT_TRUE(is_cidr("10.42.0.0/16"));
  EXPECT_TRUE(is_cidr("10.42.0.1/16"));
  EXPECT_TRUE(is_cidr("fd00::/8"));
  EXPECT_FALSE(is_cidr("10.42.0.0/33"));
  EXPECT_FALSE(is_cidr("10.42.0.0"));
  EXPECT_FALSE(is_cidr("10.42.0.0/"));
  EXPECT_FALSE(is_cidr("10.42.0.0/08"));
  EXPECT_FALSE(is_cidr("fd00::/129"));
}

TEST(FieldPathBuilding, Renders) {
  FieldPath spec("spec");
  EXPECT_EQ(spec.child("containers").index(0).child("name").str(), "spec.containers[0].name");
  EXPECT_EQ(FieldPath("metadata").child("labels").key("app").str(), "metadata.labels[app]");
  EXPECT_EQ(FieldPath().child("spec").str(), "spec");
}

TEST(FieldErrorsCollector, BodiesAndMessages) {
  FieldErrors errs;
  errs.invalid(FieldPath("metadata.name"), "Foo", is_dns1123_subdomain("Foo").front());
  errs.required(FieldPath("spec.containers[0].image"));
  errs.duplicate(FieldPath("spec.containers[1].name"), "web");
  errs.not_supported(FieldPath("spec.restartPolicy"), "Sometimes", {"Always", "OnFailure", "Never"});
  errs.forbidden(FieldPath("spec"), "pod updates may not change fields other than `spec.containers[*].image`");
  errs.invalid(FieldPath("spec.containers[0].ports[0].containerPort"), 70000, is_valid_port_num(70000).front());
  errs.too_long(FieldPath("metadata.annotations"), 262144);
  errs.invalid(FieldPath("spec.x"), Json::array({1, "a"}), "bad");
  errs.invalid(FieldPath("spec.y"), true, "bad");
  errs.invalid(FieldPath("spec.z"), "quote\"and\\slash\n", "bad");
  const auto& e = errs.errors();
  EXPECT_EQ(e[0].body(), "Invalid value: \"Foo\": " + kSubdomainMsg);
  EXPECT_EQ(e[1].message(), "spec.containers[0].image: Required value");
  EXPECT_EQ(e[2].body(), "Duplicate value: \"web\"");
  EXPECT_EQ(e[3].body(), "Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\"");
  EXPECT_EQ(e[4].body(), "Forbidden: pod updates may not change fields other than `spec.containers[*].image`");
  EXPECT_EQ(e[5].body(), "Invalid value: 70000: must be between 1 and 65535, inclusive");
  EXPECT_EQ(e[6].body(), "Too long: may not be more than 262144 bytes");
  EXPECT_EQ(e[7].body(), "Invalid value: [1,\"a\"]: bad");
  EXPECT_EQ(e[8].body(), "Invalid value: true: bad");
  EXPECT_EQ(e[9].body(), "Invalid value: \"quote\\\"and\\\\slash\\n\": bad");
  EXPECT_EQ(e[1].to_cause(), (Json{{"reason", "FieldValueRequired"},
                                   {"message", "Required value"},
                                   {"field", "spec.containers[0].image"}}));
  EXPECT_EQ(go_quote("\x01"), "\"\\x01\"");
}

TEST(FieldErrorsCollector, InvalidStatus) {
  FieldErrors errs;
  errs.invalid(FieldPath("metadata.name"), "Foo", "bad name");
  errs.required(FieldPath("spec.selector"));
  Json status = errs.to_invalid_status("apps", "Deployment", "Foo");
  EXPECT_EQ(status["code"], 422);
  EXPECT_EQ(status["reason"], "Invalid");
  EXPECT_EQ(status["status"], "Failure");
  EXPECT_EQ(status["message"],
            "Deployment.apps \"Foo\" is invalid: [metadata.name: Invalid value: \"Foo\": bad name, spec.selector: "
            "Required value]");
  EXPECT_EQ(status["details"]["group"], "apps");
  EXPECT_EQ(status["details"]["kind"], "Deployment");
  EXPECT_EQ(status["details"]["causes"].size(), 2u);
  EXPECT_EQ(status["details"]["causes"][0]["reason"], "FieldValueInvalid");
  EXPECT_EQ(status["details"]["causes"][0]["field"], "metadata.name");

  FieldErrors one;
  one.invalid(FieldPath("metadata.name"), "Foo", "bad");
  Json pod = one.to_invalid_status("", "Pod", "Foo");
  EXPECT_EQ(pod["message"], "Pod \"Foo\" is invalid: metadata.name: Invalid value: \"Foo\": bad");
  EXPECT_FALSE(pod["details"].contains("group"));

  FieldErrors dup;
  dup.required(FieldPath("a"));
  dup.required(FieldPath("a"));
  EXPECT_EQ(dup.aggregate_message(), "a: Required value");
}

}  // namespace
}  // namespace k3s::object
