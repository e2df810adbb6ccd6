#include <gtest/gtest.h>

#include "cri/cri.h"
#include "cri/log.h"

using namespace k3s::cri;

TEST(CriLog, ParsesFullAndPartialRecords) {
  auto full = parse_log_line("2024-01-02T03:04:05.123456789Z stdout F hello world\n");
  ASSERT_TRUE(full);
  EXPECT_EQ(full->timestamp, "2024-01-02T03:04:05.123456789Z");
  EXPECT_EQ(full->stream, "stdout");
  EXPECT_FALSE(full->partial);
  EXPECT_EQ(full->content, "hello world");
  auto partial = parse_log_line("2024-01-02T03:04:05Z stderr P part");
  ASSERT_TRUE(partial);
  EXPECT_TRUE(partial->partial);
  EXPECT_EQ(partial->stream, "stderr");
  auto empty = parse_log_line("2024-01-02T03:04:05Z stdout F");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->content, "");
}

TEST(CriLog, RejectsOtherLines) {
  EXPECT_FALSE(parse_log_line(""));
  EXPECT_FALSE(parse_log_line("garbage"));
  EXPECT_FALSE(parse_log_line("2024 stdin F x"));
}

TEST(CriEndpoint, NormalizesUnixForms) {
  EXPECT_EQ(normalize_endpoint("unix:///run/x.sock"), "unix:///run/x.sock");
  EXPECT_EQ(normalize_endpoint("unix:/run/x.sock"), "unix:///run/x.sock");
  EXPECT_EQ(normalize_endpoint("/run/x.sock"), "unix:///run/x.sock");
  EXPECT_THROW(normalize_endpoint("tcp://1.2.3.4:1"), std::invalid_argument);
  EXPECT_THROW(normalize_endpoint("unix://relative"), std::invalid_argument);
}

TEST(CriClient, UnreachableRuntimeIsAnUnavailableError) {
  Client client("unix:///nonexistent/dir/cri.sock", std::chrono::milliseconds(500));
  try {
    client.version();
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_TRUE(e.unavailable() || e.code() == 4) << e.what();
    EXPECT_EQ(e.method(), "Version");
    EXPECT_EQ(std::string(e.what()).rfind("rpc error: code = ", 0), 0u);
  }
  EXPECT_FALSE(client.wait_until_ready(std::chrono::milliseconds(300)));
}
