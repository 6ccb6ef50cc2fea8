// The shared text helpers of sim/base: JSON string literals (one rule for
// the trace's JSON lines and the command line's documents) and decimal
// integers appended without temporaries (the trace's lines).
#include "simsock/sim/base/json_quote.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "simsock/sim/base/append_decimal.h"

namespace simsock::sim {
namespace {

TEST(JsonQuote, EscapesWhatRfc8259RequiresAndPassesTheRest) {
  EXPECT_EQ(JsonQuote(""), "\"\"");
  EXPECT_EQ(JsonQuote("connect(3) = -EINPROGRESS"),
            "\"connect(3) = -EINPROGRESS\"");
  EXPECT_EQ(JsonQuote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(JsonQuote("l1\nl2\rl3\tx"), "\"l1\\nl2\\rl3\\tx\"");
  EXPECT_EQ(JsonQuote(std::string("\x01\x1f\0z", 4)),
            "\"\\u0001\\u001f\\u0000z\"");
  EXPECT_EQ(JsonQuote("\x7f"), "\"\x7f\"");            // DEL is not a control
  EXPECT_EQ(JsonQuote("h\xc3\xa9"), "\"h\xc3\xa9\"");  // UTF-8 as it is
}

TEST(JsonQuote, AppendsAfterWhatIsThere) {
  std::string out = "{\"who\":";
  AppendJsonQuoted(out, "a pid 1");
  EXPECT_EQ(out, "{\"who\":\"a pid 1\"");
}

TEST(AppendDecimal, WritesWhatToStringWrites) {
  std::string out;
  AppendDecimal(out, std::numeric_limits<int64_t>::min());
  out += ' ';
  AppendDecimal(out, std::numeric_limits<uint64_t>::max());
  out += ' ';
  AppendDecimal(out, 0);
  out += ' ';
  AppendDecimal(out, uint16_t{65535});
  out += ' ';
  AppendDecimal(out, -7L);
  EXPECT_EQ(out, std::to_string(std::numeric_limits<int64_t>::min()) + " " +
                     std::to_string(std::numeric_limits<uint64_t>::max()) +
                     " 0 65535 -7");
}

}  // namespace
}  // namespace simsock::sim
