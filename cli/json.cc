#include "simsock/cli/json.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <utility>

namespace simsock::cli {

namespace {

const JsonValue& NullValue() {
  static const JsonValue kNull;
  return kNull;
}

// A recursive-descent reader over RFC 8259's grammar; depth is bounded so
// that a hostile line cannot overflow the stack.
class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  std::optional<JsonValue> Document(std::string* error) {
    std::optional<JsonValue> v = Value(0);
    if (v) {
      SkipSpace();
      if (pos_ != text_.size()) Fail("trailing characters");
    }
    if (!error_.empty()) {
      if (error) *error = "at byte " + std::to_string(pos_) + ": " + error_;
      return std::nullopt;
    }
    return v;
  }

 private:
  static constexpr int kMaxDepth = 64;

  void Fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
  }
  void SkipSpace() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' ||
            text_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool Eat(char c) {
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool Word(std::string_view w) {
    if (text_.substr(pos_, w.size()) == w) {
      pos_ += w.size();
      return true;
    }
    return false;
  }

  std::optional<JsonValue> Value(int depth) {
    if (depth > kMaxDepth) {
      Fail("nested too deeply");
      return std::nullopt;
    }
    SkipSpace();
    if (pos_ >= text_.size()) {
      Fail("unexpected end");
      return std::nullopt;
    }
    char c = text_[pos_];
    if (c == '{') return ObjectValue(depth);
    if (c == '[') return ArrayValue(depth);
    if (c == '"') {
      std::optional<std::string> s = StringLiteral();
      if (!s) return std::nullopt;
      return JsonValue::String(std::move(*s));
    }
    if (Word("true")) return JsonValue::Bool(true);
    if (Word("false")) return JsonValue::Bool(false);
    if (Word("null")) return JsonValue::Null();
    if (c == '-' || (c >= '0' && c <= '9')) return Number();
    Fail(std::string("unexpected character '") + c + "'");
    return std::nullopt;
  }

  std::optional<JsonValue> ObjectValue(int depth) {
    ++pos_;  // '{'
    std::map<std::string, JsonValue> members;
    if (Eat('}')) return JsonValue::Object(std::move(members));
    while (true) {
      SkipSpace();
      if (pos_ >= text_.size() || text_[pos_] != '"') {
        Fail("expected a member name");
        return std::nullopt;
      }
      std::optional<std::string> key = StringLiteral();
      if (!key) return std::nullopt;
      if (!Eat(':')) {
        Fail("expected ':'");
        return std::nullopt;
      }
      std::optional<JsonValue> v = Value(depth + 1);
      if (!v) return std::nullopt;
      members[std::move(*key)] = std::move(*v);
      if (Eat(',')) continue;
      if (Eat('}')) return JsonValue::Object(std::move(members));
      Fail("expected ',' or '}'");
      return std::nullopt;
    }
  }

  std::optional<JsonValue> ArrayValue(int depth) {
    ++pos_;  // '['
    std::vector<JsonValue> items;
    if (Eat(']')) return JsonValue::Array(std::move(items));
    while (true) {
      std::optional<JsonValue> v = Value(depth + 1);
      if (!v) return std::nullopt;
      items.push_back(std::move(*v));
      if (Eat(',')) continue;
      if (Eat(']')) return JsonValue::Array(std::move(items));
      Fail("expected ',' or ']'");
      return std::nullopt;
    }
  }

  std::optional<JsonValue> Number() {
    size_t start = pos_;
    bool negative = text_[pos_] == '-';
    if (negative) ++pos_;
    bool integral = true;
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c >= '0' && c <= '9') {
        ++pos_;
      } else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
        integral = false;
        ++pos_;
      } else {
        break;
      }
    }
    std::string_view digits = text_.substr(start, pos_ - start);
    if (integral) {
      uint64_t magnitude = 0;
      std::string_view m = negative ? digits.substr(1) : digits;
      auto [end, ec] =
          std::from_chars(m.data(), m.data() + m.size(), magnitude);
      if (ec == std::errc() && end == m.data() + m.size() && !m.empty()) {
        if (!negative) return JsonValue::Uint(magnitude);
        if (magnitude <= uint64_t{1} << 63) {
          return JsonValue::Int(static_cast<int64_t>(0 - magnitude));
        }
      }
    }
    std::string copy(digits);
    char* end = nullptr;
    errno = 0;
    double d = std::strtod(copy.c_str(), &end);
    if (end != copy.c_str() + copy.size() || copy.empty() || errno != 0) {
      Fail("bad number '" + copy + "'");
      return std::nullopt;
    }
    return JsonValue::Double(d);
  }

  static void AppendUtf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  std::optional<uint32_t> Hex4() {
    if (pos_ + 4 > text_.size()) {
      Fail("short \\u escape");
      return std::nullopt;
    }
    uint32_t v = 0;
    auto [end, ec] =
        std::from_chars(text_.data() + pos_, text_.data() + pos_ + 4, v, 16);
    if (ec != std::errc() || end != text_.data() + pos_ + 4) {
      Fail("bad \\u escape");
      return std::nullopt;
    }
    pos_ += 4;
    return v;
  }

  std::optional<std::string> StringLiteral() {
    ++pos_;  // '"'
    std::string out;
    while (pos_ < text_.size()) {
      char c = text_[pos_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) {
        Fail("control character in a string");
        return std::nullopt;
      }
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= text_.size()) break;
      char e = text_[pos_++];
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          std::optional<uint32_t> cp = Hex4();
          if (!cp) return std::nullopt;
          // A surrogate pair spells one code point beyond the BMP.
          if (*cp >= 0xD800 && *cp < 0xDC00 && Word("\\u")) {
            std::optional<uint32_t> low = Hex4();
            if (!low) return std::nullopt;
            if (*low >= 0xDC00 && *low < 0xE000) {
              *cp = 0x10000 + ((*cp - 0xD800) << 10) + (*low - 0xDC00);
            }
          }
          AppendUtf8(out, *cp);
          break;
        }
        default:
          Fail(std::string("bad escape '\\") + e + "'");
          return std::nullopt;
      }
    }
    Fail("unterminated string");
    return std::nullopt;
  }

  std::string_view text_;
  size_t pos_ = 0;
  std::string error_;
};

}  // namespace

bool JsonValue::AsBool(bool fallback) const {
  return kind_ == Kind::kBool ? bool_ : fallback;
}
uint64_t JsonValue::AsUint(uint64_t fallback) const {
  if (kind_ == Kind::kInt && !negative_) return int_;
  return fallback;
}
int64_t JsonValue::AsInt(int64_t fallback) const {
  if (kind_ != Kind::kInt) return fallback;
  if (negative_) return static_cast<int64_t>(0 - int_);
  return int_ <= static_cast<uint64_t>(INT64_MAX) ? static_cast<int64_t>(int_)
                                                  : fallback;
}
double JsonValue::AsDouble(double fallback) const {
  if (kind_ == Kind::kDouble) return double_;
  if (kind_ == Kind::kInt) {
    return negative_ ? -static_cast<double>(int_) : static_cast<double>(int_);
  }
  return fallback;
}
const std::string& JsonValue::AsString() const {
  static const std::string kEmpty;
  return kind_ == Kind::kString ? string_ : kEmpty;
}
const std::vector<JsonValue>& JsonValue::AsArray() const {
  static const std::vector<JsonValue> kEmpty;
  return kind_ == Kind::kArray ? array_ : kEmpty;
}
const std::map<std::string, JsonValue>& JsonValue::AsObject() const {
  static const std::map<std::string, JsonValue> kEmpty;
  return kind_ == Kind::kObject ? object_ : kEmpty;
}
const JsonValue& JsonValue::operator[](std::string_view key) const {
  if (kind_ != Kind::kObject) return NullValue();
  auto it = object_.find(std::string(key));
  return it == object_.end() ? NullValue() : it->second;
}

JsonValue JsonValue::Bool(bool b) {
  JsonValue v;
  v.kind_ = Kind::kBool;
  v.bool_ = b;
  return v;
}
JsonValue JsonValue::Uint(uint64_t u) {
  JsonValue v;
  v.kind_ = Kind::kInt;
  v.int_ = u;
  return v;
}
JsonValue JsonValue::Int(int64_t i) {
  JsonValue v;
  v.kind_ = Kind::kInt;
  v.negative_ = i < 0;
  v.int_ = i < 0 ? 0 - static_cast<uint64_t>(i) : static_cast<uint64_t>(i);
  return v;
}
JsonValue JsonValue::Double(double d) {
  JsonValue v;
  v.kind_ = Kind::kDouble;
  v.double_ = d;
  return v;
}
JsonValue JsonValue::String(std::string s) {
  JsonValue v;
  v.kind_ = Kind::kString;
  v.string_ = std::move(s);
  return v;
}
JsonValue JsonValue::Array(std::vector<JsonValue> items) {
  JsonValue v;
  v.kind_ = Kind::kArray;
  v.array_ = std::move(items);
  return v;
}
JsonValue JsonValue::Object(std::map<std::string, JsonValue> members) {
  JsonValue v;
  v.kind_ = Kind::kObject;
  v.object_ = std::move(members);
  return v;
}

std::string JsonValue::Write() const {
  switch (kind_) {
    case Kind::kNull:
      return "null";
    case Kind::kBool:
      return bool_ ? "true" : "false";
    case Kind::kInt:
      return (negative_ ? "-" : "") + std::to_string(int_);
    case Kind::kDouble: {
      if (!std::isfinite(double_)) return "null";  // JSON has no inf / nan
      // Shortest text that reads back as the same double.
      char buf[32];
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, double_);
      std::string s(buf, ec == std::errc() ? end : buf);
      // Keep it a double when read back ("2" would read as an integer).
      if (s.find_first_of(".eE") == std::string::npos) s += ".0";
      return s;
    }
    case Kind::kString:
      return JsonQuote(string_);
    case Kind::kArray: {
      std::string out = "[";
      for (size_t i = 0; i < array_.size(); ++i) {
        if (i) out += ',';
        out += array_[i].Write();
      }
      return out + "]";
    }
    case Kind::kObject: {
      std::string out = "{";
      bool first = true;
      for (const auto& [k, v] : object_) {
        if (!first) out += ',';
        first = false;
        out += JsonQuote(k);
        out += ':';
        out += v.Write();
      }
      return out + "}";
    }
  }
  return "null";
}

std::optional<JsonValue> ParseJson(std::string_view text, std::string* error) {
  return Reader(text).Document(error);
}

}  // namespace simsock::cli
