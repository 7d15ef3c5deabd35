// Tables line up; -o picks the format; YAML reads back as what the JSON said.
#include "cli/output.h"

#include <gtest/gtest.h>

#include "cli/table.h"

namespace rollcall {
namespace {

TEST(TableTest, ColumnsArePaddedToTheWidestCellAndEmptyCellsShowADash) {
  Table t({"TENANT", "STATUS", "ERROR"});
  t.AddRow({"acme", "Success", ""});
  t.AddRow({"a-much-longer-slug", "OffTarget", "running v1"});
  EXPECT_EQ(t.Render(),
            "TENANT              STATUS     ERROR\n"
            "acme                Success    -\n"
            "a-much-longer-slug  OffTarget  running v1\n");
}

TEST(TableTest, WidthCountsCharactersNotBytes) {
  Table t({"A", "B"});
  t.AddRow({"✓✓", "x"});
  t.AddRow({"abc", "y"});
  EXPECT_EQ(t.Render(), "A    B\n✓✓   x\nabc  y\n");
  EXPECT_EQ(DisplayWidth("⚠ ok"), 4u);
}

TEST(OutputFormatTest, DashOAndTheJsonAlias) {
  EXPECT_EQ(*ParseOutputFormat("", false), OutputFormat::kTable);
  EXPECT_EQ(*ParseOutputFormat("", true), OutputFormat::kJson);
  EXPECT_EQ(*ParseOutputFormat("yaml", true), OutputFormat::kYaml);
  EXPECT_EQ(*ParseOutputFormat("wide", false), OutputFormat::kWide);
  Result<OutputFormat> bad = ParseOutputFormat("xml", false);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "-o: expected json, yaml or wide, got \"xml\"");
}

TEST(OutputFormatTest, YamlQuotesWhatWouldReadBackAsSomethingElse) {
  Json j = Json::parse(R"({"id":"r-1","n":3,"ok":true,"none":null,"tag":"123","word":"yes",
    "colon":"a: b","empty":"","list":[1,"x"],"rows":[{"slug":"a","seq":1},{"slug":"b"}],"o":{},"l":[],
    "line":"two\nlines"})");
  EXPECT_EQ(ToYaml(j),
            "colon: \"a: b\"\n"
            "empty: \"\"\n"
            "id: r-1\n"
            "l: []\n"
            "line: \"two\\nlines\"\n"
            "list:\n  - 1\n  - x\n"
            "n: 3\n"
            "none: null\n"
            "o: {}\n"
            "ok: true\n"
            "rows:\n  - seq: 1\n    slug: a\n  - slug: b\n"
            "tag: \"123\"\n"
            "word: \"yes\"\n");
}

TEST(OutputFormatTest, NestedListsAndObjectsIndent) {
  Json j = Json::parse(R"({"a":{"b":{"c":[[1,2],{"d":"e"}]}}})");
  EXPECT_EQ(ToYaml(j), "a:\n  b:\n    c:\n      - - 1\n        - 2\n      - d: e\n");
  EXPECT_EQ(Formatted(j, OutputFormat::kTable), "");
}

}  // namespace
}  // namespace rollcall
