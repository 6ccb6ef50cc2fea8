// Go's bufio.Reader: the edge cases of Go's bufio_test.go (ReadLine with
// isPrefix and "\r\n" across the buffer's end, Peek, Discard, UnreadByte,
// ReadSlice's ErrBufferFull, data before the error, ErrNoProgress) ported
// to in-memory readers that return short reads.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "simsock/net/io/bufio.h"
#include "tests/net/io_test_util.h"

namespace simsock::net {
namespace {

using iotest::NoProgressReader;
using iotest::SegmentReader;
using iotest::StrideReader;

// Every line of text, read with ReadLine at every read stride and buffer
// size: the same lines (prefix pieces joined), whatever the short reads.
TEST(BufioReader, ReadLineAtEveryStride) {
  const std::string text =
      "line 1\r\nline 2\nthe third line is longer than sixteen bytes\r\n\n"
      "\r\nlast line without newline";
  const std::vector<std::string> want = {
      "line 1", "line 2", "the third line is longer than sixteen bytes",
      "",       "",       "last line without newline"};
  for (size_t stride = 1; stride <= text.size(); ++stride) {
    for (size_t size : {16, 17, 64, 4096}) {
      StrideReader src(text, stride);
      bufio::Reader r(src, size);
      std::vector<std::string> got;
      std::string line;
      for (int i = 0; i < 1000; ++i) {
        bufio::LineResult l = r.ReadLine();
        if (l.err) {
          EXPECT_EQ(*l.err, kEOF);
          EXPECT_TRUE(l.line.empty());
          break;
        }
        line += l.line;
        if (!l.is_prefix) {
          got.push_back(line);
          line.clear();
        }
      }
      EXPECT_EQ(got, want) << "stride " << stride << " size " << size;
    }
  }
}

// bufio_test.go TestLineTooLong.
TEST(BufioReader, LineTooLong) {
  std::string data;
  for (size_t i = 0; i < bufio::kMinReadBufferSize * 5 / 2; ++i)
    data += static_cast<char>('0' + i % 10);
  StrideReader src(data);
  bufio::Reader r(src, bufio::kMinReadBufferSize);
  std::string_view rest = data;
  bufio::LineResult l = r.ReadLine();
  EXPECT_TRUE(l.is_prefix);
  EXPECT_FALSE(l.err);
  EXPECT_EQ(l.line, rest.substr(0, 16));
  rest.remove_prefix(l.line.size());
  l = r.ReadLine();
  EXPECT_TRUE(l.is_prefix);
  EXPECT_EQ(l.line, rest.substr(0, 16));
  rest.remove_prefix(l.line.size());
  l = r.ReadLine();
  EXPECT_FALSE(l.is_prefix);
  EXPECT_FALSE(l.err);
  EXPECT_EQ(l.line, rest.substr(0, 8));
  l = r.ReadLine();
  EXPECT_FALSE(l.is_prefix);
  EXPECT_EQ(l.err, kEOF);
}

// bufio_test.go TestReadLineNewlines: "\r\n" and lone '\r' at the edge of
// a 16-byte buffer.
TEST(BufioReader, ReadLineNewlinesAtTheBufferEdge) {
  struct Want {
    std::string line;
    bool prefix;
    bool eof;
  };
  const std::vector<std::pair<std::string, std::vector<Want>>> cases = {
      {"012345678901234\r\n012345678901234\r\n",
       {{"012345678901234", true, false},
        {"", false, false},
        {"012345678901234", true, false},
        {"", false, false},
        {"", false, true}}},
      {"0123456789012345\r012345678901234\r",
       {{"0123456789012345", true, false},
        {"\r012345678901234", true, false},
        {"\r", false, false},
        {"", false, true}}},
  };
  for (const auto& [input, wants] : cases) {
    StrideReader src(input);
    bufio::Reader r(src, bufio::kMinReadBufferSize);
    for (const Want& w : wants) {
      bufio::LineResult l = r.ReadLine();
      EXPECT_EQ(l.line, w.line);
      EXPECT_EQ(l.is_prefix, w.prefix);
      EXPECT_EQ(l.err.has_value(), w.eof);
      if (w.eof) {
        EXPECT_EQ(*l.err, kEOF);
      }
    }
  }
}

// bufio_test.go TestReadEmptyBuffer and TestLinesAfterRead.
TEST(BufioReader, ReadLineAtEof) {
  StrideReader empty("");
  bufio::Reader r(empty, bufio::kMinReadBufferSize);
  EXPECT_EQ(r.ReadLine().err, kEOF);
  StrideReader foo("foo");
  bufio::Reader r2(foo, bufio::kMinReadBufferSize);
  char buf[16];
  auto all = io::ReadFull(r2, buf);
  EXPECT_EQ(all.value, 3u);
  EXPECT_EQ(r2.ReadLine().err, kEOF);
}

// bufio_test.go TestBufferFull.
TEST(BufioReader, ReadSliceBufferFull) {
  StrideReader src(
      "And now, hello, world! It is the time for all good men to come to the "
      "aid of their party");
  bufio::Reader r(src, bufio::kMinReadBufferSize);
  auto s = r.ReadSlice('!');
  EXPECT_EQ(s.value, "And now, hello, ");
  EXPECT_EQ(s.err, bufio::ErrBufferFull);
  s = r.ReadSlice('!');
  EXPECT_EQ(s.value, "world!");
  EXPECT_TRUE(s.ok());
}

// ReadString: any length, at any stride; the data before an error comes
// with the error, and the error only once.
TEST(BufioReader, ReadStringReturnsDataBeforeTheError) {
  for (size_t stride : {1, 3, 100}) {
    StrideReader src(std::string(100, 'a') + "\nbc", stride);
    bufio::Reader r(src, 16);
    auto s = r.ReadString('\n');
    EXPECT_TRUE(s.ok());
    EXPECT_EQ(s.value, std::string(100, 'a') + "\n");
    s = r.ReadString('\n');
    EXPECT_EQ(s.value, "bc");
    EXPECT_EQ(s.err, kEOF);
    s = r.ReadString('\n');
    EXPECT_EQ(s.value, "");
    EXPECT_EQ(s.err, kEOF);
  }
  const Error reset = Error::FromErrno(ECONNRESET, "read");
  StrideReader broken("par", 1, reset);
  bufio::Reader r(broken);
  auto bytes = r.ReadBytes('\n');
  EXPECT_EQ(std::string(bytes.value.begin(), bytes.value.end()), "par");
  EXPECT_EQ(bytes.err, reset);
  // The error was reported: the next call asks the source again.
  auto again = r.ReadString('\n');
  EXPECT_EQ(again.err, reset);
  EXPECT_EQ(again.value, "");
}

// bufio_test.go TestPeek.
TEST(BufioReader, Peek) {
  StrideReader src("abcdefghijklmnop");
  bufio::Reader buf(src, bufio::kMinReadBufferSize);
  char p[10];
  auto s = buf.Peek(1);
  EXPECT_EQ(s.value, "a");
  EXPECT_TRUE(s.ok());
  s = buf.Peek(4);
  EXPECT_EQ(s.value, "abcd");
  EXPECT_EQ(buf.Peek(-1).err, bufio::ErrNegativeCount);
  s = buf.Peek(32);
  EXPECT_EQ(s.value, "abcdefghijklmnop");
  EXPECT_EQ(s.err, bufio::ErrBufferFull);
  ASSERT_EQ(*buf.Read(p, 3), 3u);
  EXPECT_EQ(std::string(p, 3), "abc");
  EXPECT_EQ(buf.Peek(1).value, "d");
  EXPECT_EQ(buf.Peek(2).value, "de");
  ASSERT_EQ(*buf.Read(p, 3), 3u);
  EXPECT_EQ(std::string(p, 3), "def");
  EXPECT_EQ(buf.Peek(4).value, "ghij");
  ASSERT_EQ(*buf.Read(p, 10), 10u);
  EXPECT_EQ(std::string(p, 10), "ghijklmnop");
  s = buf.Peek(0);
  EXPECT_EQ(s.value, "");
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(buf.Peek(1).err, kEOF);
  // Issue 3022: a successful Peek does not expose the reader's error.
  StrideReader abcd("abcd");
  bufio::Reader b2(abcd, 32);
  s = b2.Peek(2);
  EXPECT_EQ(s.value, "ab");
  EXPECT_TRUE(s.ok());
  s = b2.Peek(4);
  EXPECT_EQ(s.value, "abcd");
  EXPECT_TRUE(s.ok());
  Result<size_t> n = b2.Read(p, 5);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(std::string(p, *n), "abcd");
  EXPECT_TRUE(b2.Read(p, 1).IsEOF());
}

// bufio_test.go TestDiscard.
TEST(BufioReader, Discard) {
  struct Case {
    const char* name;
    size_t size;
    int peek;
    int n;
    size_t want;
    std::optional<Error> err;
    size_t buffered;
  };
  const std::string alphabet = "abcdefghijklmnopqrstuvwxyz";
  for (const Case& c : std::vector<Case>{
           {"normal", 0, 16, 6, 6, std::nullopt, 10},
           {"exceed read buffer", 16, 16, 25, 25, std::nullopt, 1},
           {"EOF", 16, 16, 30, 26, kEOF, 0},
           {"negative", 16, 16, -1, 0, bufio::ErrNegativeCount, 16},
           {"zero", 16, 16, 0, 0, std::nullopt, 16},
           {"1", 16, 16, 1, 1, std::nullopt, 15},
       }) {
    StrideReader src(alphabet);
    bufio::Reader r(src, c.size);
    (void)r.Peek(c.peek);
    auto d = r.Discard(c.n);
    EXPECT_EQ(d.value, c.want) << c.name;
    EXPECT_EQ(d.err, c.err) << c.name;
    EXPECT_EQ(r.Buffered(), c.buffered) << c.name;
  }
  // n <= Buffered() does not read the source.
  StrideReader src(alphabet, 4);
  bufio::Reader r(src, 16);
  (void)r.Peek(4);
  const int reads = src.reads();
  EXPECT_TRUE(r.Discard(3).ok());
  EXPECT_EQ(src.reads(), reads);
}

// bufio_test.go TestUnreadByte and TestUnreadByteMultiple.
TEST(BufioReader, UnreadByte) {
  SegmentReader src({"Hello, ", "world"});
  bufio::Reader r(src);
  std::string got;
  for (int i = 0; i < 100; ++i) {
    Result<uint8_t> b = r.ReadByte();
    if (b.IsEOF()) break;
    ASSERT_TRUE(b.ok());
    got += static_cast<char>(*b);
    ASSERT_TRUE(r.UnreadByte().ok());
    Result<uint8_t> b2 = r.ReadByte();
    ASSERT_TRUE(b2.ok());
    EXPECT_EQ(*b2, *b);
  }
  EXPECT_EQ(got, "Hello, world");
  const std::string data = "Hello, world";
  for (size_t n = 0; n <= data.size(); ++n) {
    SegmentReader seg({"Hello, ", "world"});
    bufio::Reader rr(seg);
    for (size_t i = 0; i < n; ++i) ASSERT_EQ(*rr.ReadByte(), data[i]);
    if (n > 0) {
      EXPECT_TRUE(rr.UnreadByte().ok()) << n;
    }
    Result<void> again = rr.UnreadByte();
    ASSERT_FALSE(again.ok()) << n;
    EXPECT_EQ(again.error(), bufio::ErrInvalidUnreadByte);
  }
}

// bufio_test.go TestUnreadByteOthers: UnreadByte after every kind of read
// puts back the last byte (the '\n'); twice in a row fails.
TEST(BufioReader, UnreadByteAfterOtherReads) {
  using ReadFn = std::function<void(bufio::Reader&)>;
  const std::vector<ReadFn> reads = {
      [](bufio::Reader& r) { (void)r.ReadBytes('\n'); },
      [](bufio::Reader& r) { (void)r.ReadString('\n'); },
      [](bufio::Reader& r) { (void)r.ReadSlice('\n'); },
      [](bufio::Reader& r) { (void)r.ReadLine(); },
  };
  for (size_t k = 0; k < reads.size(); ++k) {
    std::string text;
    for (int i = 0; i < 10; ++i) text += "0123456789\n";
    StrideReader src(text);
    bufio::Reader r(src);
    for (int i = 0; i < 10; ++i) {
      reads[k](r);
      ASSERT_TRUE(r.UnreadByte().ok()) << k;
      Result<uint8_t> b = r.ReadByte();
      ASSERT_TRUE(b.ok());
      EXPECT_EQ(*b, '\n') << k;
    }
    EXPECT_TRUE(r.ReadByte().IsEOF());
    // Peek and Discard are not reads: nothing to unread after them.
    StrideReader again(text);
    bufio::Reader r2(again);
    (void)r2.ReadByte();
    (void)r2.Peek(1);
    EXPECT_EQ(r2.UnreadByte().error(), bufio::ErrInvalidUnreadByte);
    (void)r2.ReadByte();
    (void)r2.Discard(1);
    EXPECT_EQ(r2.UnreadByte().error(), bufio::ErrInvalidUnreadByte);
  }
}

// Read: the buffer first; large reads straight from the source; an empty
// p gives 0 (or the pending error); Reset drops everything.
TEST(BufioReader, ReadAndReset) {
  StrideReader src("0123456789abcdefghij0123456789", 10);
  bufio::Reader r(src, 16);
  char p[32];
  ASSERT_EQ(*r.Read(p, 4), 4u);
  EXPECT_EQ(r.Buffered(), 6u);
  EXPECT_EQ(*r.Read(p, 0), 0u);
  ASSERT_EQ(*r.Read(p, 32), 6u);   // the buffered rest only: one Read
  ASSERT_EQ(*r.Read(p, 32), 10u);  // buffer empty, p >= 16: direct
  EXPECT_EQ(r.Buffered(), 0u);
  StrideReader other("xyz");
  r.Reset(other);
  ASSERT_EQ(*r.Read(p, 32), 3u);
  EXPECT_EQ(std::string(p, 3), "xyz");
  EXPECT_TRUE(r.Read(p, 32).IsEOF());
  EXPECT_TRUE(r.Read(p, 32).IsEOF());
  // A buffer smaller than the minimum is raised to it.
  bufio::Reader tiny(other, 1);
  EXPECT_EQ(tiny.Size(), bufio::kMinReadBufferSize);
}

// Go's fill: 100 empty reads in a row are ErrNoProgress, not a hang.
TEST(BufioReader, NoProgress) {
  NoProgressReader stuck;
  bufio::Reader r(stuck);
  auto s = r.ReadString('\n');
  EXPECT_EQ(s.err, io::ErrNoProgress);
  EXPECT_EQ(stuck.reads, io::kMaxConsecutiveEmptyReads);
  EXPECT_EQ(r.ReadByte().error(), io::ErrNoProgress);
}

}  // namespace
}  // namespace simsock::net
