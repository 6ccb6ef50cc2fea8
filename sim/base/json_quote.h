/// \file
/// JSON string literals (RFC 8259 section 7), for the trace's JSON lines
/// and the command line's JSON documents: one quoting rule for both.
#pragma once

#include <string>
#include <string_view>

namespace simsock::sim {

/// Appends `s` to `out` as a JSON string literal, quotes included: `"` and
/// `\` escaped, newline, carriage return and tab as `\n`, `\r`, `\t`, the
/// other control characters below 0x20 as `\u00XX`; every other byte as
/// it is (UTF-8 passes through).
void AppendJsonQuoted(std::string& out, std::string_view s);

/// `s` as a JSON string literal, quotes included (AppendJsonQuoted).
std::string JsonQuote(std::string_view s);

}  // namespace simsock::sim
