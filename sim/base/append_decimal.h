/// \file
/// AppendDecimal: an integer's decimal digits appended to a string, with
/// std::to_chars (no temporary string, no locale, no printf): what the
/// trace's lines are made of, millions of times a run.
#pragma once

#include <charconv>
#include <concepts>
#include <string>

namespace simsock::sim {

/// Appends `v` in decimal ("-12", "0", "65535"), as std::to_string would
/// write it.
template <std::integral T>
void AppendDecimal(std::string& out, T v) {
  char buf[24];  // 20 digits and a sign at most
  const std::to_chars_result r = std::to_chars(buf, buf + sizeof buf, v);
  // append(pointer, count), not append(first, last): libstdc++ sends an
  // iterator range through _M_replace's general path, a third of a trace
  // line's formatting cost.
  out.append(buf, static_cast<size_t>(r.ptr - buf));
}

}  // namespace simsock::sim
