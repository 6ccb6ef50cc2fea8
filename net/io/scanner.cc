// Go's bufio.Scanner and split functions (scan.go): the same loop, buffer
// growth and error rules, over io::Reader's Result<size_t>.
#include "simsock/net/io/scanner.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "simsock/net/runtime/check.h"

namespace simsock::net::bufio {
namespace {

// Go's startBufSize: the first buffer, unless Buffer gave one.
constexpr size_t kStartBufSize = 4096;
// utf8.RuneError encoded.
constexpr std::string_view kRuneErrorUtf8 = "\xef\xbf\xbd";

// Go's utf8.DecodeRune: the rune at the start of s and its width; an
// invalid or short encoding is (U+FFFD, 1), an empty s (U+FFFD, 0).
struct Rune {
  uint32_t r;
  size_t size;
  bool valid;
};
Rune DecodeRune(std::string_view s) {
  if (s.empty()) return {0xFFFD, 0, false};
  const auto b0 = static_cast<uint8_t>(s[0]);
  if (b0 < 0x80) return {b0, 1, true};
  size_t size;
  uint32_t r;
  uint32_t min;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    size = 2, r = b0 & 0x1Fu, min = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    size = 3, r = b0 & 0x0Fu, min = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    size = 4, r = b0 & 0x07u, min = 0x10000;
  } else {
    return {0xFFFD, 1, false};
  }
  if (s.size() < size) return {0xFFFD, 1, false};
  for (size_t i = 1; i < size; ++i) {
    const auto b = static_cast<uint8_t>(s[i]);
    if ((b & 0xC0) != 0x80) return {0xFFFD, 1, false};
    r = (r << 6) | (b & 0x3Fu);
  }
  // Overlong forms, surrogates and values past U+10FFFF are invalid.
  if (r < min || (r >= 0xD800 && r <= 0xDFFF) || r > 0x10FFFF) {
    return {0xFFFD, 1, false};
  }
  return {r, size, true};
}

// Go's utf8.FullRune: s holds a whole rune, or bytes no rune can complete.
bool FullRune(std::string_view s) {
  if (s.empty()) return false;
  const auto b0 = static_cast<uint8_t>(s[0]);
  size_t need = 1;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 3;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 4;
  }
  if (s.size() >= need) return true;
  // A continuation byte that cannot follow makes the prefix invalid now.
  for (size_t i = 1; i < s.size(); ++i) {
    if ((static_cast<uint8_t>(s[i]) & 0xC0) != 0x80) return true;
  }
  return false;
}

// Go's isSpace in scan.go (unicode.IsSpace without the table).
bool IsSpace(uint32_t r) {
  if (r <= 0xFF) {
    return r == ' ' || (r >= '\t' && r <= '\r') || r == 0x85 || r == 0xA0;
  }
  if (r >= 0x2000 && r <= 0x200A) return true;
  return r == 0x1680 || r == 0x2028 || r == 0x2029 || r == 0x202F ||
         r == 0x205F || r == 0x3000;
}

std::string_view DropCR(std::string_view s) {
  if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
  return s;
}

}  // namespace

SplitResult ScanLines(std::string_view data, bool at_eof) {
  if (at_eof && data.empty()) return {};
  if (size_t i = data.find('\n'); i != data.npos) {
    return {static_cast<int64_t>(i + 1), DropCR(data.substr(0, i)), {}};
  }
  if (at_eof) return {static_cast<int64_t>(data.size()), DropCR(data), {}};
  return {};
}

SplitResult ScanBytes(std::string_view data, bool at_eof) {
  if (at_eof && data.empty()) return {};
  return {1, data.substr(0, 1), {}};
}

SplitResult ScanRunes(std::string_view data, bool at_eof) {
  if (at_eof && data.empty()) return {};
  if (static_cast<uint8_t>(data[0]) < 0x80) return {1, data.substr(0, 1), {}};
  Rune rune = DecodeRune(data);
  if (rune.valid) {
    return {static_cast<int64_t>(rune.size), data.substr(0, rune.size), {}};
  }
  // An incomplete rune waits for more input, unless there is no more.
  if (!at_eof && !FullRune(data)) return {};
  return {1, kRuneErrorUtf8, {}};
}

SplitResult ScanWords(std::string_view data, bool at_eof) {
  size_t start = 0;
  while (start < data.size()) {
    Rune rune = DecodeRune(data.substr(start));
    if (!IsSpace(rune.r) || !rune.valid) break;
    start += rune.size;
  }
  for (size_t i = start; i < data.size();) {
    Rune rune = DecodeRune(data.substr(i));
    if (rune.valid && IsSpace(rune.r)) {
      return {static_cast<int64_t>(i + rune.size),
              data.substr(start, i - start),
              {}};
    }
    i += rune.size;
  }
  if (at_eof && data.size() > start) {
    return {static_cast<int64_t>(data.size()), data.substr(start), {}};
  }
  return {static_cast<int64_t>(start), std::nullopt, {}};
}

std::optional<Error> Scanner::Err() const {
  if (err_ && err_->IsEOF()) return std::nullopt;
  return err_;
}

void Scanner::Buffer(std::vector<char> buf, size_t max) {
  SIMSOCK_NET_CHECK(!scan_called_, "bufio: Buffer called after Scan");
  buf.resize(buf.capacity());
  buf_ = std::move(buf);
  max_token_size_ = max;
}

void Scanner::Split(SplitFunc split) {
  SIMSOCK_NET_CHECK(!scan_called_, "bufio: Split called after Scan");
  SIMSOCK_NET_CHECK(split != nullptr, "bufio: nil SplitFunc");
  split_ = std::move(split);
}

void Scanner::SetErr(const Error& err) {
  if (!err_ || err_->IsEOF()) err_ = err;
}

bool Scanner::Advance(int64_t n) {
  if (n < 0) {
    SetErr(ErrNegativeAdvance);
    return false;
  }
  if (static_cast<uint64_t>(n) > end_ - start_) {
    SetErr(ErrAdvanceTooFar);
    return false;
  }
  start_ += static_cast<size_t>(n);
  return true;
}

bool Scanner::ReadMore() {
  // Slide the data down when the buffer is full or over half consumed.
  if (start_ > 0 && (end_ == buf_.size() || start_ > buf_.size() / 2)) {
    std::memmove(buf_.data(), buf_.data() + start_, end_ - start_);
    end_ -= start_;
    start_ = 0;
  }
  if (end_ == buf_.size()) {
    if (buf_.size() >= max_token_size_ ||
        buf_.size() > std::numeric_limits<size_t>::max() / 2) {
      SetErr(ErrTooLong);
      return false;
    }
    size_t size = buf_.empty() ? kStartBufSize : buf_.size() * 2;
    size = std::min(size, max_token_size_);
    buf_.resize(std::max(size, buf_.size() + 1));
  }
  // Read once; retry a read that gives no data and no error, up to
  // kMaxConsecutiveEmptyReads times (then ErrNoProgress).
  for (int loop = 0;;) {
    Result<size_t> n = r_.Read(std::span<char>(buf_).subspan(end_));
    if (!n.ok()) {
      SetErr(n.error());
      return true;  // the split function sees the data at EOF next
    }
    end_ += *n;
    if (*n > 0) {
      empties_ = 0;
      return true;
    }
    if (++loop > io::kMaxConsecutiveEmptyReads) {
      SetErr(io::ErrNoProgress);
      return true;
    }
  }
}

bool Scanner::Scan() {
  if (done_) return false;
  scan_called_ = true;
  // Each round either returns, or reads (bounded by ReadMore's retries and
  // the source's data), or ends on an error.
  for (;;) {
    if (end_ > start_ || err_) {
      const std::string_view data(buf_.data() + start_, end_ - start_);
      SplitResult s = split_(data, err_.has_value());
      if (s.err) {
        if (*s.err == ErrFinalToken) {
          token_ = s.token.value_or(std::string_view());
          done_ = true;
          // A nil final token ends scanning with no token (Go 1.22).
          return s.token.has_value();
        }
        SetErr(*s.err);
        return false;
      }
      if (!Advance(s.advance)) return false;
      if (s.token) {
        token_ = *s.token;
        if (!err_ || s.advance > 0) {
          empties_ = 0;
        } else {
          // An empty token at EOF that consumes nothing, again and again.
          SIMSOCK_NET_CHECK(++empties_ <= io::kMaxConsecutiveEmptyReads,
                            "bufio.Scan: too many empty tokens without "
                            "progressing");
        }
        return true;
      }
    }
    if (err_) {
      start_ = end_ = 0;
      token_ = {};
      return false;
    }
    if (!ReadMore()) return false;
  }
}

}  // namespace simsock::net::bufio
