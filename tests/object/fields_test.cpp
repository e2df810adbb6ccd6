#include "object/fields.h"

#include <gtest/gtest.h>

namespace k3s::object::fields {
namespace {

std::string parse_error(std::string_view text) {
  try {
    Selector::parse(text);
  } catch (const SelectorError& e) {
    return e.what();
  }
  return "<no error>";
}

TEST(FieldSelector, ParsesOperatorsAndSortsTerms) {
  auto s = Selector::parse("status.phase!=Running,metadata.name==web,spec.nodeName=n1");
  ASSERT_EQ(s.requirements().size(), 3u);
  EXPECT_EQ(s.to_string(), "metadata.name=web,spec.nodeName=n1,status.phase!=Running");
  EXPECT_FALSE(s.requirements()[2].equals);
}

TEST(FieldSelector, EmptyAndBlankTerms) {
  EXPECT_TRUE(Selector::parse("").empty());
  EXPECT_TRUE(Selector::parse(",,").empty());
  EXPECT_EQ(Selector::parse("a=b,,").requirements().size(), 1u);
}

TEST(FieldSelector, FirstOperatorWinsLeftToRight) {
  // "a=b=c" splits at the first '='; the value then holds an unescaped '=' and is rejected.
  EXPECT_EQ(parse_error("a=b=c"), "invalid field selector: unescaped character in value: 61");
  EXPECT_EQ(parse_error("a!==b"), "invalid field selector: unescaped character in value: 61");
  EXPECT_EQ(Selector::parse("a==b").requirements()[0].value, "b");
  EXPECT_EQ(Selector::parse("a!=b").requirements()[0].field, "a");
}

TEST(FieldSelector, EscapedValues) {
  auto s = Selector::parse(R"(metadata.name=a\,b\=c\\d,x=y)");
  ASSERT_EQ(s.requirements().size(), 2u);
  EXPECT_EQ(s.requirements()[0].value, R"(a,b=c\d)");
  EXPECT_EQ(s.to_string(), R"(metadata.name=a\,b\=c\\d,x=y)");
  EXPECT_EQ(escape_value("a,b=c\\"), R"(a\,b\=c\\)");
  EXPECT_EQ(unescape_value(R"(a\,b)"), "a,b");
}

TEST(FieldSelector, Errors) {
  EXPECT_EQ(parse_error("metadata.name"), "invalid selector: 'metadata.name'; can't understand 'metadata.name'");
  EXPECT_EQ(parse_error("a=b,c"), "invalid selector: 'a=b,c'; can't understand 'c'");
  EXPECT_EQ(parse_error(R"(a=b\x)"), R"(invalid field selector: invalid escape sequence: \x)");
  EXPECT_EQ(parse_error(R"(a=b\)"), R"(invalid field selector: invalid escape sequence: \)");
}

TEST(FieldSelector, Matching) {
  Set pod = {{"metadata.name", "web"}, {"metadata.namespace", "default"}, {"spec.nodeName", "n1"},
             {"status.phase", "Running"}};
  auto m = [&](std::string_view s) { return Selector::parse(s).matches(pod); };
  EXPECT_TRUE(m("metadata.name=web"));
  EXPECT_FALSE(m("metadata.name=db"));
  EXPECT_TRUE(m("status.phase!=Pending"));
  EXPECT_FALSE(m("status.phase!=Running"));
  EXPECT_TRUE(m("spec.nodeName=n1,metadata.namespace=default"));
  // Unknown fields read as "": they equal "" and differ from anything else.
  EXPECT_TRUE(m("spec.unknown="));
  EXPECT_TRUE(m("spec.unknown!=x"));
  EXPECT_FALSE(m("spec.unknown=x"));
  EXPECT_TRUE(m("spec.nodeName!="));  // kubectl's "scheduled pods"
  EXPECT_FALSE(Selector::nothing().matches(pod));
  EXPECT_TRUE(Selector::everything().matches(pod));
}

TEST(FieldSelector, RequiresExactMatchAndFromSet) {
  auto s = Selector::parse("spec.nodeName=n1,status.phase!=Failed");
  EXPECT_EQ(s.requires_exact_match("spec.nodeName"), "n1");
  EXPECT_FALSE(s.requires_exact_match("status.phase"));
  auto f = Selector::from_set({{"metadata.name", "a,b"}});
  EXPECT_EQ(f.to_string(), R"(metadata.name=a\,b)");
  EXPECT_TRUE(f.matches({{"metadata.name", "a,b"}}));
}

TEST(FieldSelector, Transform) {
  auto s = Selector::parse("spec.host=n1,metadata.name=x");
  auto t = s.transform([](const Requirement& r) {
    if (r.field == "spec.host") return Requirement{"spec.nodeName", r.equals, r.value};
    if (r.field == "metadata.name") return Requirement{};
    return r;
  });
  EXPECT_EQ(t.to_string(), "spec.nodeName=n1");
  EXPECT_THROW(s.transform([](const Requirement& r) -> Requirement {
    throw SelectorError("field label not supported: " + r.field);
  }),
               SelectorError);
}

}  // namespace
}  // namespace k3s::object::fields
