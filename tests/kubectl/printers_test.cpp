// Tables (tabwriter widths, wide columns, labels, kind prefixes) and object printers.
#include <gtest/gtest.h>

#include "go_template.h"
#include "output.h"
#include "session.h"

using namespace k3s::kubectl;

namespace {
Json table() {
  return Json::parse(R"({"kind":"Table","columnDefinitions":[
      {"name":"Name","type":"string","format":"name","priority":0},
      {"name":"Ready","type":"string","priority":0},
      {"name":"IP","type":"string","priority":1}],
    "rows":[{"cells":["web-1","1/1","10.0.0.1"],"object":{"metadata":{"name":"web-1","namespace":"ns1","labels":{"app":"web","tier":"x"}}}},
            {"cells":["b","0/1",null],"object":{"metadata":{"name":"b","namespace":"ns2"}}}]})");
}
}  // namespace

TEST(Tabulate, PadsToWidestCellPlusThreeWithMinimumSix) {
  EXPECT_EQ(tabulate({{"NAME", "A"}, {"x", "longer"}}), "NAME   A\nx      longer\n");
  EXPECT_EQ(tabulate({{"ABCDEFG", "B", "C"}}), "ABCDEFG   B     C\n");
}

TEST(TablePrinter, DefaultHidesPriorityColumns) {
  PrintOptions o;
  EXPECT_EQ(tabulate(table_rows(table(), o, "pod", true)), "NAME    READY\nweb-1   1/1\nb       0/1\n");
}

TEST(TablePrinter, WideNamespaceLabelsAndKind) {
  PrintOptions o;
  o.output = "wide";
  o.with_namespace = true;
  o.with_kind = true;
  o.show_labels = true;
  o.label_columns = {"app.kubernetes.io/app", "tier"};
  auto rows = table_rows(table(), o, "pod", true);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"NAMESPACE", "NAME", "READY", "IP", "APP", "TIER", "LABELS"}));
  EXPECT_EQ(rows[1], (std::vector<std::string>{"ns1", "pod/web-1", "1/1", "10.0.0.1", "", "x", "app=web,tier=x"}));
  EXPECT_EQ(rows[2][3], "<none>");
  EXPECT_EQ(rows[2][6], "<none>");
}

TEST(ObjectPrinters, JsonListWrapperAndHtmlEscapes) {
  PrintOptions o;
  o.output = "json";
  Json obj = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "a<b>&"}}}};
  EXPECT_EQ(print_objects({obj}, o, false),
            "{\n    \"apiVersion\": \"v1\",\n    \"kind\": \"ConfigMap\",\n    \"metadata\": {\n        \"name\": "
            "\"a\\u003cb\\u003e\\u0026\"\n    }\n}\n");
  std::string list = print_objects({obj}, o, true);
  EXPECT_NE(list.find("\"kind\": \"List\""), std::string::npos);
  EXPECT_NE(list.find("\"resourceVersion\": \"\""), std::string::npos);
}

TEST(ObjectPrinters, NameAndCustomColumns) {
  PrintOptions o;
  o.output = "name";
  Json d = {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"metadata", {{"name", "web"}}}};
  EXPECT_EQ(print_objects({d}, o, false), "deployment.apps/web\n");
  o.output = "custom-columns=NAME:.metadata.name,MISSING:.spec.x";
  EXPECT_EQ(print_objects({d}, o, true), "NAME   MISSING\nweb    <none>\n");
}

TEST(ObjectPrinters, UnknownFormatIsKubectlsError) {
  EXPECT_THROW(check_output_format("bogus"), CommandError);
  EXPECT_NO_THROW(check_output_format("jsonpath={.a}"));
}

TEST(GoTemplate, FieldsRangeIndexIf) {
  Json data = Json::parse(R"({"items":[{"metadata":{"name":"a","labels":{"k":"v"}}},{"metadata":{"name":"b"}}]})");
  EXPECT_EQ(execute_go_template("{{range .items}}{{.metadata.name}} {{end}}", data), "a b ");
  EXPECT_EQ(execute_go_template(R"({{index .items 0 "metadata" "labels" "k"}})", data), "v");
  EXPECT_EQ(execute_go_template(R"({{range .items}}{{if .metadata.labels}}{{.metadata.name}}{{else}}-{{end}}{{end}})", data), "a-");
  EXPECT_EQ(execute_go_template(R"({{len .items}}{{"\n"}})", data), "2\n");
}
