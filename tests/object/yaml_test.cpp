// YAML out as sigs.k8s.io/yaml writes it, and YAML in with go-yaml v2's resolution and words.
#include <gtest/gtest.h>

#include "object/yaml.h"

using Json = nlohmann::json;
using k3s::object::parse_yaml;
using k3s::object::parse_yaml_documents;
using k3s::object::to_yaml;
using k3s::object::YamlError;

TEST(YamlOut, SortedKeysAndIndentlessSequences) {
  Json pod = Json::parse(R"({"kind":"Pod","apiVersion":"v1","metadata":{"name":"p","labels":{"a":"b"}},
    "spec":{"containers":[{"name":"c","image":"nginx","ports":[{"containerPort":80}]}],"volumes":[]}})");
  EXPECT_EQ(to_yaml(pod),
            "apiVersion: v1\n"
            "kind: Pod\n"
            "metadata:\n"
            "  labels:\n"
            "    a: b\n"
            "  name: p\n"
            "spec:\n"
            "  containers:\n"
            "  - image: nginx\n"
            "    name: c\n"
            "    ports:\n"
            "    - containerPort: 80\n"
            "  volumes: []\n");
}

// Keys too: "n" reads as false in YAML 1.1, so go-yaml v2 quotes it.
TEST(YamlOut, QuotesStringsThatWouldReadAsOtherTypes) {
  Json v = Json::parse(R"({"a":"1","b":"true","c":"yes","d":"","e":"2026-11-22T10:09:24Z","f":"null","g":"1.5",
    "h":"plain text","i":"10:30","j":"*star","k":"a: b","l":"-x","m":"- x","n":"#c","o":"x #y","p":"0x1F"})");
  EXPECT_EQ(to_yaml(v),
            "a: \"1\"\nb: \"true\"\nc: \"yes\"\nd: \"\"\ne: \"2026-11-22T10:09:24Z\"\nf: \"null\"\ng: \"1.5\"\n"
            "h: plain text\ni: \"10:30\"\nj: '*star'\nk: 'a: b'\nl: -x\nm: '- x'\n\"n\": '#c'\no: 'x #y'\np: \"0x1F\"\n");
}

TEST(YamlOut, LiteralBlocksForMultilineStrings) {
  Json v = Json::parse(R"({"a":"one\ntwo\n","b":"one\ntwo","c":{"d":"x\n"}})");
  EXPECT_EQ(to_yaml(v), "a: |\n  one\n  two\nb: |-\n  one\n  two\nc:\n  d: |\n    x\n");
}

TEST(YamlOut, ScalarsNullsAndEmptyCollections) {
  Json v = Json::parse(R"({"a":null,"b":false,"c":3,"d":{},"e":[],"f":[[1,2],{}]})");
  EXPECT_EQ(to_yaml(v), "a: null\nb: false\nc: 3\nd: {}\ne: []\nf:\n- - 1\n  - 2\n- {}\n");
}

TEST(YamlOut, LongPlainScalarsFoldPastColumn80) {
  std::string words;
  for (int i = 0; i < 30; ++i) words += (i ? " " : "") + std::string("word") + std::to_string(i);
  std::string text = to_yaml(Json{{"message", words}});
  EXPECT_NE(text.find("\n  word"), std::string::npos) << text;
  EXPECT_EQ(parse_yaml(text)["message"], words);
}

TEST(YamlIn, ResolvesScalarsAsGoYamlV2) {
  Json v = parse_yaml("a: 1\nb: \"1\"\nc: yes\nd: ~\ne: 1.5\nf: hello\ng: 0x10\nh: 'true'\ni:\n- x\n");
  EXPECT_EQ(v["a"], 1);
  EXPECT_EQ(v["b"], "1");
  EXPECT_EQ(v["c"], true);
  EXPECT_TRUE(v["d"].is_null());
  EXPECT_EQ(v["e"], 1.5);
  EXPECT_EQ(v["f"], "hello");
  EXPECT_EQ(v["g"], 16);
  EXPECT_EQ(v["h"], "true");
  EXPECT_EQ(v["i"], Json::array({"x"}));
}

TEST(YamlIn, SeveralDocumentsSkipEmptyOnes) {
  auto docs = parse_yaml_documents("a: 1\n---\n---\nb: 2\n");
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[1]["b"], 2);
}

TEST(YamlIn, MalformedInputNamesTheLine) {
  try {
    parse_yaml("a: 1\nb:\n c: 1\n d: [x\n");
    FAIL() << "no error";
  } catch (const YamlError& e) {
    EXPECT_GT(e.line(), 1);
    EXPECT_NE(std::string(e.what()).find("yaml: line"), std::string::npos);
  }
}

TEST(YamlRoundTrip, OutputReadsBackToTheSameValue) {
  Json v = Json::parse(R"({"s":["a b","#x","'q'","\"dq\"","tab\there","  lead","trail ","multi\nline  \n"],"n":-3})");
  EXPECT_EQ(parse_yaml(to_yaml(v)), v) << to_yaml(v);
}

namespace {
// The message parse_yaml throws for `text`, "" when it parses.
std::string yaml_error(const std::string& text) {
  try {
    parse_yaml(text);
  } catch (const YamlError& e) {
    return e.what();
  }
  return "";
}
const std::string kHead = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\n";
}  // namespace

// Each expectation is what kubectl 1.33 printed for the same file (after "error converting
// YAML to JSON: "): go-yaml's words, and its line numbers (the scanner's 1-based, the
// parser's one lower).
TEST(YamlIn, SyntaxErrorsAreWordedAsGoYamlWordsThem) {
  EXPECT_EQ(yaml_error(kHead + " data: [unclosed\n"), "yaml: line 4: did not find expected key");
  EXPECT_EQ(yaml_error("apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: bad\n"),
            "yaml: line 4: found character that cannot start any token");
  EXPECT_EQ(yaml_error(kHead + "  labels: a: b\n"), "yaml: line 5: mapping values are not allowed in this context");
  EXPECT_EQ(yaml_error(kHead + "data:\n  x: \"unterminated\n"), "yaml: line 7: found unexpected end of stream");
  EXPECT_EQ(yaml_error(kHead + "data:\n  x: 'unterminated\n"), "yaml: line 7: found unexpected end of stream");
  EXPECT_EQ(yaml_error(kHead + "data:\n  - x\n  y: 1\n"), "yaml: line 6: did not find expected '-' indicator");
  EXPECT_EQ(yaml_error(kHead + "data:\n  x: [a, b\n"), "yaml: line 6: did not find expected ',' or ']'");
  EXPECT_EQ(yaml_error(kHead + "data:\n  x: {a: 1\n"), "yaml: line 6: did not find expected ',' or '}'");
  EXPECT_EQ(yaml_error(kHead + "data:\n  x: *nope\n"), "yaml: unknown anchor 'nope' referenced");
  EXPECT_EQ(yaml_error(kHead + "data:\n  x: \"\\q\"\n"), "yaml: line 6: found unknown escape character");
  EXPECT_EQ(yaml_error(kHead + "data:\n  x: b\n- c\n"), "yaml: line 6: did not find expected key");
  EXPECT_EQ(yaml_error(kHead + "data:\n  x: a\n\ty: b\n"), "yaml: line 7: found a tab character that violates indentation");
  EXPECT_EQ(yaml_error(kHead + "data:\n  x: |\n  y\n z: 1\n"), "yaml: line 8: could not find expected ':'");
  EXPECT_EQ(yaml_error(kHead + "data:\n  x: [a, b]]\n"), "yaml: line 5: did not find expected key");
  EXPECT_EQ(yaml_error(kHead + "data:\n  ? [a]\n  : b\n"), "yaml: invalid map key: []interface {}{\"a\"}");
  EXPECT_EQ(yaml_error(kHead + "data:\n  x: @foo\n"), "yaml: line 6: found character that cannot start any token");
  EXPECT_EQ(yaml_error(kHead + "data:\n  x: a: b\n"), "yaml: line 6: mapping values are not allowed in this context");
  // Closed quotes, escaped quotes and '' inside single quotes are fine.
  EXPECT_EQ(yaml_error(kHead + "data:\n  x: \"a\\\"b\"\n  y: 'it''s'\n"), "");
}

TEST(YamlIn, HostileInputIsRefused) {
  EXPECT_EQ(yaml_error("a: \"\x01\"\n"), "yaml: control characters are not allowed");
  EXPECT_EQ(yaml_error("a: \xff\n"), "yaml: invalid leading UTF-8 octet");
  std::string deep = "a: " + std::string(1500, '[') + std::string(1500, ']') + "\n";
  EXPECT_EQ(yaml_error(deep), "yaml: exceeded max depth");
  std::string nested = "a: " + std::string(100, '[') + std::string(100, ']') + "\n";
  try {
    parse_yaml(nested, nullptr, {.max_depth = 50});
    ADD_FAILURE() << "101 levels accepted with a limit of 50";
  } catch (const YamlError& e) {
    EXPECT_STREQ(e.what(), "yaml: exceeded max depth");
  }
  std::string laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'j'; ++c) {
    const char prev = static_cast<char>(c - 1);
    laughs += std::string(1, c) + ": &" + c + " [*" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev +
              ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]\n";
  }
  EXPECT_EQ(yaml_error(laughs), "yaml: document contains excessive aliasing");
}

TEST(YamlIn, DuplicateKeysAreReportedByPath) {
  std::vector<std::string> duplicates;
  Json v = parse_yaml("metadata:\n  name: a\n  name: b\nspec: {x: 1, x: 2}\n", &duplicates);
  EXPECT_EQ(v["metadata"]["name"], "b");
  EXPECT_EQ(duplicates, (std::vector<std::string>{"metadata.name", "spec.x"}));
}

TEST(YamlIn, ScalarsResolveAsGoYamlV2) {
  Json v = parse_yaml("a: on\nc: 017\nd: 1_000\ne: 1e400\nf: 18446744073709551615\ng: 2001-12-14\nh: 1:20\n1: one\n");
  EXPECT_EQ(v["a"], true);
  EXPECT_EQ(v["c"], 15);
  EXPECT_EQ(v["d"], 1000);
  EXPECT_EQ(v["e"], "1e400");
  EXPECT_EQ(v["f"], 18446744073709551615ULL);
  EXPECT_EQ(v["g"], "2001-12-14");
  EXPECT_EQ(v["h"], "1:20");
  EXPECT_EQ(v["1"], "one");
}
