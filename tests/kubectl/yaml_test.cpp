// YAML out as sigs.k8s.io/yaml writes it, and manifests in with go-yaml v2's resolution.
#include <gtest/gtest.h>

#include "yaml.h"

using k3s::kubectl::Json;
using k3s::kubectl::parse_yaml;
using k3s::kubectl::parse_yaml_documents;
using k3s::kubectl::to_yaml;
using k3s::kubectl::YamlError;

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
