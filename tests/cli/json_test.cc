#include "simsock/cli/json.h"

#include <gtest/gtest.h>

namespace simsock::cli {
namespace {

TEST(CliJson, ReadsWhatItWrites) {
  JsonValue v = JsonValue::Object({
      {"big", JsonValue::Uint(18446744073709551615ull)},
      {"neg", JsonValue::Int(-42)},
      {"min", JsonValue::Int(INT64_MIN)},
      {"d", JsonValue::Double(0.1)},
      {"whole", JsonValue::Double(2)},
      {"s", JsonValue::String("quote \" back \\ nl \n tab \t ctl \x01 é")},
      {"a", JsonValue::Array({JsonValue::Bool(true), JsonValue::Null()})},
  });
  std::string text = v.Write();
  std::string error;
  std::optional<JsonValue> back = ParseJson(text, &error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ((*back)["big"].AsUint(), 18446744073709551615ull);
  EXPECT_EQ((*back)["neg"].AsInt(), -42);
  EXPECT_EQ((*back)["min"].AsInt(), INT64_MIN);
  EXPECT_EQ((*back)["d"].AsDouble(), 0.1);
  EXPECT_TRUE((*back)["whole"].is(JsonValue::Kind::kDouble));
  EXPECT_EQ((*back)["s"].AsString(),
            "quote \" back \\ nl \n tab \t ctl \x01 é");
  ASSERT_EQ((*back)["a"].AsArray().size(), 2u);
  EXPECT_TRUE((*back)["a"].AsArray()[0].AsBool());
  EXPECT_EQ(back->Write(), text);  // the same value, the same bytes
}

TEST(CliJson, WritesMembersInKeyOrderOnOneLine) {
  JsonValue v = JsonValue::Object(
      {{"b", JsonValue::Uint(1)}, {"a", JsonValue::String("x\ny")}});
  EXPECT_EQ(v.Write(), R"({"a":"x\ny","b":1})");
}

TEST(CliJson, ReadsEscapesAndSurrogatePairs) {
  std::string error;
  std::optional<JsonValue> v =
      ParseJson(R"( {"s": "\u00e9\ud83d\ude00\/"} )", &error);
  ASSERT_TRUE(v) << error;
  EXPECT_EQ((*v)["s"].AsString(), "é\xF0\x9F\x98\x80/");
}

TEST(CliJson, RefusesBadTextWithItsPosition) {
  for (const char* bad : {"", "{", "{\"a\" 1}", "[1,]", "{\"a\":1} x", "\"open",
                          "tru", "{\"a\":01x}", "\"\\q\""}) {
    std::string error;
    EXPECT_FALSE(ParseJson(bad, &error)) << bad;
    EXPECT_NE(error.find("at byte"), std::string::npos) << bad;
  }
  std::string deep(1000, '[');
  std::string error;
  EXPECT_FALSE(ParseJson(deep, &error));
  EXPECT_NE(error.find("nested too deeply"), std::string::npos);
}

TEST(CliJson, MissingMembersReadAsFallbacks) {
  std::string error;
  std::optional<JsonValue> v = ParseJson(R"({"n": "text"})", &error);
  ASSERT_TRUE(v);
  EXPECT_EQ((*v)["absent"].AsUint(7), 7u);
  EXPECT_EQ((*v)["n"].AsUint(3), 3u);  // a string is not a number
  EXPECT_EQ((*v)["absent"].AsString(), "");
}

}  // namespace
}  // namespace simsock::cli
