// A small JSON reader and writer for the sweep's JSON lines (one RunResult
// per line, cli/result_json.h). Only what those lines need: objects,
// arrays, strings, integers, doubles, booleans and null. Integers keep all
// 64 bits (a trace hash does not fit a double).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "simsock/sim/base/json_quote.h"

namespace simsock::cli {

class JsonValue {
 public:
  enum class Kind { kNull, kBool, kInt, kDouble, kString, kArray, kObject };

  Kind kind() const { return kind_; }
  bool is(Kind k) const { return kind_ == k; }

  // Accessors with a fallback when the value is of another kind (a line
  // written by an older simsock may lack a field).
  bool AsBool(bool fallback = false) const;
  uint64_t AsUint(uint64_t fallback = 0) const;
  int64_t AsInt(int64_t fallback = 0) const;
  double AsDouble(double fallback = 0) const;
  const std::string& AsString() const;
  const std::vector<JsonValue>& AsArray() const;
  const std::map<std::string, JsonValue>& AsObject() const;
  // The member `key` of an object, or a null value.
  const JsonValue& operator[](std::string_view key) const;

  static JsonValue Null() { return {}; }
  static JsonValue Bool(bool b);
  static JsonValue Uint(uint64_t v);
  static JsonValue Int(int64_t v);
  static JsonValue Double(double v);
  static JsonValue String(std::string s);
  static JsonValue Array(std::vector<JsonValue> items);
  static JsonValue Object(std::map<std::string, JsonValue> members);

  // Compact text, members in key order (std::map): the same value always
  // writes the same bytes.
  std::string Write() const;

 private:
  Kind kind_ = Kind::kNull;
  bool bool_ = false;
  bool negative_ = false;  // kInt: the magnitude is -int_
  uint64_t int_ = 0;
  double double_ = 0;
  std::string string_;
  std::vector<JsonValue> array_;
  std::map<std::string, JsonValue> object_;
};

// Parses one JSON text (surrounding whitespace allowed). On an error,
// nullopt and `error` says where and what.
std::optional<JsonValue> ParseJson(std::string_view text, std::string* error);

// `s` as a JSON string literal, quotes included (the one quoting rule of
// sim/base/json_quote.h, which the trace's JSON lines use too).
using sim::JsonQuote;

}  // namespace simsock::cli
