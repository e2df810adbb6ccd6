#include "object/labels.h"

#include <gtest/gtest.h>

namespace k3s::object::labels {
namespace {

std::string parse_error(std::string_view text) {
  try {
    Selector::parse(text);
  } catch (const SelectorError& e) {
    return e.what();
  }
  return "<no error>";
}

const std::string kNameRegexMsg =
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
    "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

TEST(LabelSelectorParse, CanonicalStringSortsByKey) {
  EXPECT_EQ(Selector::parse("x=a,y in (c,b),!z,w").to_string(), "w,x=a,y in (b,c),!z");
  EXPECT_EQ(Selector::parse(" x == a , y notin ( b ) , v != q").to_string(), "v!=q,x==a,y notin (b)");
  EXPECT_EQ(Selector::parse("a>5,b<3").to_string(), "a>5,b<3");
  EXPECT_EQ(Selector::parse("example.com/key=v").to_string(), "example.com/key=v");
}

TEST(LabelSelectorParse, EmptyIsEverything) {
  auto s = Selector::parse("");
  EXPECT_TRUE(s.empty());
  EXPECT_TRUE(s.matches({}));
  EXPECT_TRUE(Selector::parse("   ").empty());
}

TEST(LabelSelectorParse, EmptyValues) {
  auto s = Selector::parse("x in (a,),y=,z in ()");
  ASSERT_EQ(s.requirements().size(), 3u);
  EXPECT_EQ(s.requirements()[0].values(), (std::vector<std::string>{"", "a"}));
  EXPECT_EQ(s.requirements()[1].values(), (std::vector<std::string>{""}));
  EXPECT_EQ(s.requirements()[2].values(), (std::vector<std::string>{""}));
  EXPECT_EQ(s.to_string(), "x in (,a),y=,z in ()");
  EXPECT_EQ(Selector::parse("x in (,,a)").requirements()[0].values(), (std::vector<std::string>{"", "a"}));
}

TEST(LabelSelectorParse, KeywordsAsKeysAndValues) {
  auto s = Selector::parse("in in (in,notin)");
  ASSERT_EQ(s.requirements().size(), 1u);
  EXPECT_EQ(s.requirements()[0].key(), "in");
  EXPECT_EQ(s.requirements()[0].op(), Operator::in);
  EXPECT_EQ(s.requirements()[0].values(), (std::vector<std::string>{"in", "notin"}));
  EXPECT_EQ(Selector::parse("notin=in").requirements()[0].values()[0], "in");
}

TEST(LabelSelectorParse, Errors) {
  EXPECT_EQ(parse_error("a b"), "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt");
  EXPECT_EQ(parse_error("x in a"), "unable to parse requirement: found 'a' expected: '('");
  EXPECT_EQ(parse_error("x=a,"), "found '', expected: identifier after ','");
  EXPECT_EQ(parse_error(","), "found ',', expected: !, identifier, or 'end of string'");
  EXPECT_EQ(parse_error("x=a b"), "found 'b', expected: ',' or 'end of string'");
  EXPECT_EQ(parse_error("x in (a b)"), "unable to parse requirement: found 'b', expected: ',' or ')'");
  EXPECT_EQ(parse_error("x in (a"), "unable to parse requirement: found '', expected: ',' or ')'");
  EXPECT_EQ(parse_error("x in (=)"), "unable to parse requirement: found '=', expected: ',', ')' or identifier");
  EXPECT_EQ(parse_error("!x=a"), "found '=', expected: ',' or 'end of string'");
  EXPECT_EQ(parse_error("x=("), "unable to parse requirement: found '(', expected: identifier");
  EXPECT_EQ(parse_error("!"), "unable to parse requirement: found '', expected: identifier");
  EXPECT_EQ(parse_error("x>a"),
            "unable to parse requirement: values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the value must be "
            "an integer");
  EXPECT_EQ(parse_error("-a=b"), "unable to parse requirement: <nil>: Invalid value: \"-a\": " + kNameRegexMsg);
  EXPECT_EQ(parse_error("x=-bad"),
            "unable to parse requirement: values[0][x]: Invalid value: \"-bad\": a valid label must be an empty string "
            "or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
            "character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is "
            "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
  EXPECT_EQ(parse_error(std::string(64, 'k') + "=v"),
            "unable to parse requirement: <nil>: Invalid value: \"" + std::string(64, 'k') +
                "\": name part must be no more than 63 characters");
  EXPECT_EQ(parse_error("/a"), "unable to parse requirement: <nil>: Invalid value: \"/a\": prefix part must be non-empty");
}

TEST(LabelSelectorMatch, Semantics) {
  Set labels = {{"app", "web"}, {"tier", "fe"}, {"n", "10"}, {"empty", ""}};
  auto m = [&](std::string_view s) { return Selector::parse(s).matches(labels); };
  EXPECT_TRUE(m("app=web"));
  EXPECT_TRUE(m("app==web"));
  EXPECT_FALSE(m("app=db"));
  EXPECT_TRUE(m("app!=db"));
  EXPECT_TRUE(m("missing!=x"));  // absent keys satisfy !=
  EXPECT_FALSE(m("app!=web"));
  EXPECT_TRUE(m("tier in (fe,be)"));
  EXPECT_FALSE(m("missing in (fe)"));
  EXPECT_TRUE(m("tier notin (be)"));
  EXPECT_TRUE(m("missing notin (be)"));
  EXPECT_FALSE(m("tier notin (fe)"));
  EXPECT_TRUE(m("app"));
  EXPECT_FALSE(m("missing"));
  EXPECT_TRUE(m("!missing"));
  EXPECT_FALSE(m("!app"));
  EXPECT_TRUE(m("n>9"));
  EXPECT_FALSE(m("n>10"));
  EXPECT_TRUE(m("n<11"));
  EXPECT_FALSE(m("app>1"));  // non-integer label never matches gt/lt
  EXPECT_FALSE(m("missing<100"));
  EXPECT_TRUE(m("empty="));
  EXPECT_TRUE(m("empty in (,x)"));
  EXPECT_FALSE(m("app="));
  EXPECT_TRUE(m("app=web,tier=fe,!canary"));
  EXPECT_FALSE(m("app=web,tier=be"));
}

TEST(LabelSelector, RequiresExactMatch) {
  auto s = Selector::parse("a=1,b in (2),c in (3,4),d!=5");
  EXPECT_EQ(s.requires_exact_match("a"), "1");
  EXPECT_EQ(s.requires_exact_match("b"), "2");
  EXPECT_FALSE(s.requires_exact_match("c"));
  EXPECT_FALSE(s.requires_exact_match("d"));
  EXPECT_FALSE(s.requires_exact_match("zz"));
}

TEST(LabelSelector, FromSetAndNothing) {
  auto s = Selector::from_set({{"b", "2"}, {"a", "1"}});
  EXPECT_EQ(s.to_string(), "a=1,b=2");
  EXPECT_TRUE(s.matches({{"a", "1"}, {"b", "2"}, {"c", "3"}}));
  EXPECT_FALSE(s.matches({{"a", "1"}}));
  EXPECT_TRUE(Selector::from_set({}).matches({}));
  EXPECT_FALSE(Selector::nothing().matches({}));
  EXPECT_FALSE(Selector::nothing().empty());
  EXPECT_EQ(format_set({{"b", "2"}, {"a", "1"}}), "a=1,b=2");
}

TEST(LabelSelector, AddKeepsSorted) {
  auto s = Selector::parse("z=1").add(Requirement("a", Operator::exists, {}));
  EXPECT_EQ(s.to_string(), "a,z=1");
}

TEST(RequirementValidation, Messages) {
  auto error = [](std::string key, Operator op, std::vector<std::string> values) -> std::string {
    try {
      Requirement r(std::move(key), op, std::move(values));
    } catch (const SelectorError& e) {
      return e.what();
    }
    return "<no error>";
  };
  EXPECT_EQ(error("a", Operator::in, {}), "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty");
  EXPECT_EQ(error("a", Operator::equals, {"x", "y"}),
            "values: Invalid value: [\"x\",\"y\"]: exact-match compatibility requires one single value");
  EXPECT_EQ(error("a", Operator::exists, {"x"}),
            "values: Invalid value: [\"x\"]: values set must be empty for exists and does not exist");
  EXPECT_EQ(error("a", Operator::greater_than, {"1", "2"}),
            "values: Invalid value: [\"1\",\"2\"]: for 'Gt', 'Lt' operators, exactly one value is required");
  EXPECT_EQ(error("a/b/c", Operator::exists, {}),
            "key: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' or "
            "'.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or "
            "'123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS "
            "subdomain prefix and '/' (e.g. 'example.com/MyName')");
  // Two problems aggregate as "[a, b]".
  EXPECT_EQ(error("-", Operator::in, {}),
            "[key: Invalid value: \"-\": " + kNameRegexMsg +
                ", values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty]");
  EXPECT_EQ(error("a", Operator::not_in, {"ok"}), "<no error>");
}

TEST(LabelSelectorConversion, FromLabelSelectorJson) {
  Json ls = {{"matchLabels", {{"app", "web"}}},
             {"matchExpressions",
              {{{"key", "tier"}, {"operator", "In"}, {"values", {"fe", "be"}}},
               {{"key", "canary"}, {"operator", "DoesNotExist"}},
               {{"key", "env"}, {"operator", "NotIn"}, {"values", {"prod"}}},
               {{"key", "zone"}, {"operator", "Exists"}}}}};
  auto s = Selector::from_label_selector(ls);
  EXPECT_EQ(s.to_string(), "app=web,!canary,env notin (prod),tier in (be,fe),zone");
  EXPECT_TRUE(s.matches({{"app", "web"}, {"tier", "be"}, {"zone", "z1"}}));
  EXPECT_FALSE(s.matches({{"app", "web"}, {"tier", "be"}, {"zone", "z1"}, {"canary", "1"}}));
  EXPECT_TRUE(Selector::from_label_selector(Json(nullptr)).is_nothing());
  EXPECT_TRUE(Selector::from_label_selector(Json::object()).empty());
  EXPECT_TRUE(Selector::from_label_selector(Json{{"matchLabels", Json::object()}}).matches({{"x", "y"}}));
}

TEST(LabelSelectorConversion, Errors) {
  auto error = [](const Json& ls) -> std::string {
    try {
      Selector::from_label_selector(ls);
    } catch (const SelectorError& e) {
      return e.what();
    }
    return "<no error>";
  };
  EXPECT_EQ(error({{"matchExpressions", {{{"key", "a"}, {"operator", "Gt"}, {"values", {"1"}}}}}}),
            "\"Gt\" is not a valid label selector operator");
  EXPECT_EQ(error({{"matchExpressions", {{{"key", "a"}, {"operator", "In"}}}}}),
            "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty");
  EXPECT_EQ(error({{"matchLabels", {{"a", 1}}}}), "matchLabels values must be strings");
  EXPECT_EQ(error(Json::array()), "label selector must be an object");
}

TEST(LabelSelectorValidation, ReportsFieldErrors) {
  FieldErrors errs;
  Json ls = {{"matchLabels", {{"app", "-x"}}},
             {"matchExpressions",
              {{{"key", "a"}, {"operator", "In"}},
               {{"key", "b"}, {"operator", "Exists"}, {"values", {"v"}}},
               {{"key", "c"}, {"operator", "Near"}}}}};
  validate_label_selector(ls, FieldPath("spec.selector"), errs);
  ASSERT_EQ(errs.size(), 4u);
  EXPECT_EQ(errs.errors()[0].field, "spec.selector.matchLabels");
  EXPECT_EQ(errs.errors()[1].message(),
            "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or "
            "'NotIn'");
  EXPECT_EQ(errs.errors()[2].message(),
            "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or "
            "'DoesNotExist'");
  EXPECT_EQ(errs.errors()[3].message(),
            "spec.selector.matchExpressions[2].operator: Invalid value: \"Near\": not a valid selector operator");
}

}  // namespace
}  // namespace k3s::object::labels
