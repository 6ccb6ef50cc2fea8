// Go's bufio.Reader (bufio.go), its algorithm and error rules, over
// io::Reader's Result<size_t> (a count or an error, never both).
#include "simsock/net/io/bufio_reader.h"

#include <algorithm>
#include <cstring>

#include "simsock/net/runtime/check.h"

namespace simsock::net::bufio {

Reader::Reader(io::Reader rd, size_t size)
    : buf_(std::max(size, kMinReadBufferSize)), rd_(rd) {}

void Reader::Reset(io::Reader rd) {
  rd_ = rd;
  r_ = w_ = 0;
  err_.reset();
  last_byte_ = -1;
}

void Reader::Fill() {
  if (r_ > 0) {
    std::memmove(buf_.data(), buf_.data() + r_, w_ - r_);
    w_ -= r_;
    r_ = 0;
  }
  SIMSOCK_NET_CHECK(w_ < buf_.size(), "bufio: tried to fill full buffer");
  for (int i = 0; i < io::kMaxConsecutiveEmptyReads; ++i) {
    Result<size_t> n = rd_.Read(std::span<char>(buf_).subspan(w_));
    if (!n.ok()) {
      err_ = n.error();
      return;
    }
    w_ += *n;
    if (*n > 0) return;
  }
  err_ = io::ErrNoProgress;
}

std::optional<Error> Reader::TakeErr() {
  std::optional<Error> err = std::move(err_);
  err_.reset();
  return err;
}

Result<size_t> Reader::Read(std::span<char> p) {
  if (p.empty()) {
    if (Buffered() > 0) return size_t{0};
    if (std::optional<Error> err = TakeErr()) return *err;
    return size_t{0};
  }
  if (r_ == w_) {
    if (std::optional<Error> err = TakeErr()) return *err;
    if (p.size() >= buf_.size()) {
      // Large read, empty buffer: read into p directly, no copy.
      Result<size_t> n = rd_.Read(p);
      if (n.ok() && *n > 0) last_byte_ = static_cast<uint8_t>(p[*n - 1]);
      return n;
    }
    Fill();
    if (r_ == w_) {
      if (std::optional<Error> err = TakeErr()) return *err;
      return size_t{0};
    }
  }
  const size_t n = std::min(p.size(), w_ - r_);
  std::memcpy(p.data(), buf_.data() + r_, n);
  r_ += n;
  last_byte_ = static_cast<uint8_t>(buf_[r_ - 1]);
  return n;
}

Result<uint8_t> Reader::ReadByte() {
  // Fill reads at least once per call and records an error or a byte (or
  // ErrNoProgress), so this loop ends.
  while (r_ == w_) {
    if (std::optional<Error> err = TakeErr()) return *err;
    Fill();
  }
  const auto c = static_cast<uint8_t>(buf_[r_++]);
  last_byte_ = c;
  return c;
}

Result<void> Reader::UnreadByte() {
  if (last_byte_ < 0 || (r_ == 0 && w_ > 0)) return ErrInvalidUnreadByte;
  if (r_ > 0) {
    --r_;
  } else {
    w_ = 1;  // r_ == 0 && w_ == 0: the byte is the whole buffer
  }
  buf_[r_] = static_cast<char>(last_byte_);
  last_byte_ = -1;
  return {};
}

io::Partial<std::string_view> Reader::ReadSlice(char delim) {
  io::Partial<std::string_view> out;
  size_t searched = 0;  // bytes already searched (Go's s)
  for (;;) {
    const char* begin = buf_.data() + r_;
    const void* at = std::memchr(begin + searched, delim, w_ - r_ - searched);
    if (at != nullptr) {
      const size_t len = static_cast<const char*>(at) - begin + 1;
      out.value = std::string_view(begin, len);
      r_ += len;
      break;
    }
    if (err_) {
      out.value = std::string_view(begin, w_ - r_);
      r_ = w_;
      out.err = TakeErr();
      break;
    }
    if (Buffered() >= buf_.size()) {
      r_ = w_;
      out.value = std::string_view(buf_.data(), buf_.size());
      out.err = ErrBufferFull;
      break;
    }
    searched = w_ - r_;  // nothing before here holds delim
    Fill();
  }
  if (!out.value.empty()) last_byte_ = static_cast<uint8_t>(out.value.back());
  return out;
}

template <typename Out>
std::optional<Error> Reader::Collect(char delim, Out& out) {
  // ReadSlice until delim or an error other than a full buffer, appending
  // every piece; each round either ends or consumes a whole buffer, and a
  // source only gives so much before an error.
  for (;;) {
    io::Partial<std::string_view> frag = ReadSlice(delim);
    out.insert(out.end(), frag.value.begin(), frag.value.end());
    if (!frag.err) return std::nullopt;
    if (!(*frag.err == ErrBufferFull)) return frag.err;
  }
}

io::Partial<std::string> Reader::ReadString(char delim) {
  io::Partial<std::string> out;
  out.err = Collect(delim, out.value);
  return out;
}

io::Partial<std::vector<uint8_t>> Reader::ReadBytes(char delim) {
  io::Partial<std::vector<uint8_t>> out;
  out.err = Collect(delim, out.value);
  return out;
}

LineResult Reader::ReadLine() {
  io::Partial<std::string_view> slice = ReadSlice('\n');
  LineResult out;
  std::string_view line = slice.value;
  if (slice.err && *slice.err == ErrBufferFull) {
    // A "\r\n" straddling the buffer's end: put the '\r' back and let the
    // next call see the pair.
    if (!line.empty() && line.back() == '\r') {
      SIMSOCK_NET_CHECK(r_ > 0, "bufio: tried to rewind past start of buffer");
      --r_;
      line.remove_suffix(1);
    }
    out.line = line;
    out.is_prefix = true;
    return out;
  }
  if (line.empty()) {
    out.err = slice.err;
    return out;
  }
  if (line.back() == '\n') {
    const size_t drop =
        line.size() > 1 && line[line.size() - 2] == '\r' ? 2 : 1;
    line.remove_suffix(drop);
  }
  out.line = line;
  return out;
}

io::Partial<std::string_view> Reader::Peek(int n) {
  if (n < 0) return {{}, ErrNegativeCount};
  last_byte_ = -1;
  const auto want = static_cast<size_t>(n);
  if (want > buf_.size()) {
    return {std::string_view(buf_.data() + r_, w_ - r_), ErrBufferFull};
  }
  while (w_ - r_ < want && !err_) Fill();  // the buffer is not full
  io::Partial<std::string_view> out;
  size_t got = want;
  if (w_ - r_ < want) {
    got = w_ - r_;
    out.err = TakeErr();
    if (!out.err) out.err = ErrBufferFull;
  }
  out.value = std::string_view(buf_.data() + r_, got);
  return out;
}

io::Partial<size_t> Reader::Discard(int n) {
  if (n < 0) return {0, ErrNegativeCount};
  if (n == 0) return {0, std::nullopt};
  last_byte_ = -1;
  size_t remain = static_cast<size_t>(n);
  for (;;) {
    size_t skip = Buffered();
    if (skip == 0) {
      Fill();
      skip = Buffered();
    }
    skip = std::min(skip, remain);
    r_ += skip;
    remain -= skip;
    if (remain == 0) return {static_cast<size_t>(n), std::nullopt};
    if (err_) return {static_cast<size_t>(n) - remain, TakeErr()};
  }
}

}  // namespace simsock::net::bufio
