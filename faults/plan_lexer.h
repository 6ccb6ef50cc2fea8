/// \file
/// The plan language's words (docs/faults.md, "The language"): a line cut
/// into tokens that remember their columns, and the exact readers of
/// decimals and of values with units. Used by plan_parser.cc.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

/// The words of the fault plan language, for the plan parser.
namespace simsock::faults::lexer {

/// A word of a plan line and where it starts.
struct Token {
  std::string text;  ///< The word as written.
  int column = 0;    ///< 1-based
};

/// Words are runs of anything but blanks and the punctuation = , |; "<->"
/// and "->" are tokens of their own wherever they appear. Columns count
/// from first_column.
std::vector<Token> Tokenize(std::string_view line, int first_column);

/// Reads a non-negative decimal "12", "1.5" as its whole part and its
/// fraction in units of 10^-9 (exact: no binary floating point on the way).
/// False on junk, overflow, or digits finer than 10^-9 that are not zero.
bool ParseDecimal(std::string_view s, uint64_t* whole, uint64_t* frac9);

/// A value with a unit ("10ms", "1.5mbit"): the number times the factor of
/// its unit (matched without case), which must come out a whole number
/// that fits in 64 bits. False for an unknown unit or a value that does not.
bool Scaled(std::string_view text,
            const std::vector<std::pair<const char*, uint64_t>>& units,
            uint64_t* out);

}  // namespace simsock::faults::lexer
