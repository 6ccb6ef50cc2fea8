// Go's bufio.Scanner: the cases of Go's scan_test.go (lines with and
// without a final newline or '\r', empty final lines, words, bytes, runes,
// split errors, ErrFinalToken and empty tokens, ErrTooLong, a read error,
// ErrNoProgress) on readers that return 1 byte at a time and more.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "simsock/net/io/bufio.h"
#include "tests/net/io_test_util.h"

namespace simsock::net {
namespace {

using iotest::NoProgressReader;
using iotest::StrideReader;

std::vector<std::string> ScanAll(bufio::Scanner& s) {
  std::vector<std::string> out;
  for (int i = 0; i < 100000 && s.Scan(); ++i) out.push_back(s.Text());
  return out;
}

std::vector<std::string> Lines(const std::string& text, size_t stride) {
  StrideReader src(text, stride);
  bufio::Scanner s(src);
  std::vector<std::string> out = ScanAll(s);
  EXPECT_FALSE(s.Err()) << *s.Err();
  return out;
}

// scan_test.go TestScanLineNoNewline, TestScanLineReturnButNoNewline,
// TestScanLineEmptyFinalLine, TestScanLineEmptyFinalLineWithCR.
TEST(Scanner, LinesAtEveryStride) {
  using V = std::vector<std::string>;
  for (size_t stride : {0, 1, 2, 7}) {
    EXPECT_EQ(Lines("abcdefghijklmn\nopqrstuvwxyz", stride),
              (V{"abcdefghijklmn", "opqrstuvwxyz"}));
    EXPECT_EQ(Lines("abcdefghijklmn\nopqrstuvwxyz\r", stride),
              (V{"abcdefghijklmn", "opqrstuvwxyz"}));
    EXPECT_EQ(Lines("abcdefghijklmn\nopqrstuvwxyz\n\n", stride),
              (V{"abcdefghijklmn", "opqrstuvwxyz", ""}));
    EXPECT_EQ(Lines("abcdefghijklmn\nopqrstuvwxyz\n\r", stride),
              (V{"abcdefghijklmn", "opqrstuvwxyz", ""}));
    EXPECT_EQ(Lines("a\r\nb\r\r\n\n", stride), (V{"a", "b\r", ""}));
    EXPECT_EQ(Lines("", stride), V{});
  }
}

// scan_test.go TestScanLongLines: lines of every length up to past the
// starting buffer, one byte at a time, with a small maximum.
TEST(Scanner, LongLinesGrowTheBuffer) {
  std::string text;
  std::vector<std::string> want;
  for (size_t len = 0; len < 300; len += 7) {
    want.push_back(std::string(len, 'x'));
    text += want.back() + (len % 2 ? "\r\n" : "\n");
  }
  StrideReader src(text, 1);
  bufio::Scanner s(src);
  s.Buffer(std::vector<char>(), 302);
  EXPECT_EQ(ScanAll(s), want);
  EXPECT_FALSE(s.Err());
}

// scan_test.go TestScanLineTooLong.
TEST(Scanner, LineTooLong) {
  StrideReader src(std::string(2 * 256, 'x') + "\n", 1);
  bufio::Scanner s(src);
  s.Buffer(std::vector<char>(), 256);
  EXPECT_FALSE(s.Scan());
  EXPECT_EQ(s.Err(), bufio::ErrTooLong);
  // The default maximum is 64 KiB.
  StrideReader big(std::string(bufio::kMaxScanTokenSize, 'y'));
  bufio::Scanner s2(big);
  EXPECT_FALSE(s2.Scan());
  EXPECT_EQ(s2.Err(), bufio::ErrTooLong);
  // Buffer's capacity is the first size.
  std::vector<char> own;
  own.reserve(100);
  StrideReader ok(std::string(1000, 'z') + "\n");
  bufio::Scanner s3(ok);
  s3.Buffer(std::move(own), 1 << 20);
  ASSERT_TRUE(s3.Scan());
  EXPECT_EQ(s3.Bytes().size(), 1000u);
}

TEST(Scanner, Words) {
  // ASCII spaces and Unicode ones (U+00A0, U+2003, U+3000, U+0085).
  const std::string text =
      " \t hello,\vworld\f \xc2\xa0 x\xe2\x80\x83y\xe3\x80\x80z\xc2\x85 end ";
  for (size_t stride : {0, 1, 3}) {
    StrideReader src(text, stride);
    bufio::Scanner s(src);
    s.Split(bufio::ScanWords);
    EXPECT_EQ(ScanAll(s), (std::vector<std::string>{"hello,", "world", "x", "y",
                                                    "z", "end"}));
    EXPECT_FALSE(s.Err());
  }
  // A space alone, or nothing: no words.
  StrideReader blank("   \n ");
  bufio::Scanner s(blank);
  s.Split(bufio::ScanWords);
  EXPECT_FALSE(s.Scan());
  EXPECT_FALSE(s.Err());
}

TEST(Scanner, BytesAndRunes) {
  StrideReader src("ab\n", 1);
  bufio::Scanner s(src);
  s.Split(bufio::ScanBytes);
  EXPECT_EQ(ScanAll(s), (std::vector<std::string>{"a", "b", "\n"}));
  // Runes: 1 to 4 bytes, split across reads; an invalid byte is U+FFFD;
  // an incomplete rune at the end is U+FFFD per byte.
  const std::string text = "x\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xff\xe2\x82";
  const std::string bad = "\xef\xbf\xbd";
  for (size_t stride : {0, 1, 2}) {
    StrideReader r(text, stride);
    bufio::Scanner rs(r);
    rs.Split(bufio::ScanRunes);
    EXPECT_EQ(ScanAll(rs),
              (std::vector<std::string>{"x", "\xc3\xa9", "\xe2\x82\xac",
                                        "\xf0\x9f\x98\x80", bad, bad, bad}))
        << stride;
  }
  // Overlong encodings and surrogates are invalid, byte by byte.
  StrideReader over("\xc0\xaf\xed\xa0\x80");
  bufio::Scanner os(over);
  os.Split(bufio::ScanRunes);
  EXPECT_EQ(ScanAll(os).size(), 5u);
}

// scan_test.go TestSplitError: the split function's error stops the scan.
TEST(Scanner, SplitError) {
  const Error test_error = Error::New("testError");
  int splits = 0;
  const int ok_count = 7;
  const std::string text = "abcdefghijklmnopqrstuvwxyz";
  StrideReader src(text, 1);
  bufio::Scanner s(src);
  s.Split([&](std::string_view data, bool at_eof) -> bufio::SplitResult {
    EXPECT_FALSE(at_eof) << "didn't get enough data";
    if (splits >= ok_count) return {0, std::nullopt, test_error};
    ++splits;
    return {1, data.substr(0, 1), std::nullopt};
  });
  int i = 0;
  for (; i < 100 && s.Scan(); ++i) {
    ASSERT_EQ(s.Bytes().size(), 1u);
    EXPECT_EQ(s.Bytes()[0], text[i]);
  }
  EXPECT_EQ(i, ok_count);
  EXPECT_EQ(s.Err(), test_error);
}

// scan_test.go TestErrAtEOF: an error from the split function after the
// reader's EOF is the one Err reports.
TEST(Scanner, ErrAtEof) {
  const Error test_error = Error::New("testError");
  StrideReader src("1 2 33");
  bufio::Scanner s(src);
  s.Split([&](std::string_view data, bool at_eof) {
    bufio::SplitResult r = bufio::ScanWords(data, at_eof);
    if (r.token && r.token->size() > 1) {
      EXPECT_TRUE(at_eof) << "not testing EOF";
      r.err = test_error;
    }
    return r;
  });
  EXPECT_EQ(ScanAll(s).size(), 2u);
  EXPECT_EQ(s.Err(), test_error);
}

// scan_test.go TestEmptyTokens and TestWithNoEmptyTokens: ErrFinalToken.
bufio::SplitResult CommaSplit(std::string_view data, bool) {
  for (size_t i = 0; i < data.size(); ++i) {
    if (data[i] == ',')
      return {static_cast<int64_t>(i + 1), data.substr(0, i), {}};
  }
  return {0, data, bufio::ErrFinalToken};
}

TEST(Scanner, FinalTokenAndEmptyTokens) {
  using V = std::vector<std::string>;
  for (const auto& [text, want] : std::vector<std::pair<std::string, V>>{
           {"1,2,3,", {"1", "2", "3", ""}}, {"1,2,3", {"1", "2", "3"}}}) {
    StrideReader src(text);
    bufio::Scanner s(src);
    s.Split(CommaSplit);
    EXPECT_EQ(ScanAll(s), want) << text;
    EXPECT_FALSE(s.Err());
  }
  // A nil final token stops with no token and no error (Go 1.22).
  StrideReader src("a,b");
  bufio::Scanner s(src);
  s.Split([](std::string_view data, bool at_eof) -> bufio::SplitResult {
    if (data.find(',') != data.npos) return CommaSplit(data, at_eof);
    return {0, std::nullopt, bufio::ErrFinalToken};
  });
  EXPECT_EQ(ScanAll(s), (V{"a"}));
  EXPECT_FALSE(s.Err());
}

TEST(Scanner, BadAdvance) {
  for (int64_t advance : {-1, 100}) {
    StrideReader src("abc");
    bufio::Scanner s(src);
    s.Split([advance](std::string_view data, bool) -> bufio::SplitResult {
      return {advance, data, std::nullopt};
    });
    EXPECT_FALSE(s.Scan());
    EXPECT_EQ(s.Err(), advance < 0 ? bufio::ErrNegativeAdvance
                                   : bufio::ErrAdvanceTooFar);
  }
}

// scan_test.go TestNonEOFWithEmptyRead and a read error after lines: the
// lines before the error, then the error from Err.
TEST(Scanner, ReadErrors) {
  StrideReader always("", 0, io::ErrUnexpectedEOF);
  bufio::Scanner s(always);
  EXPECT_FALSE(s.Scan());
  EXPECT_EQ(s.Err(), io::ErrUnexpectedEOF);
  const Error reset = Error::FromErrno(ECONNRESET, "read");
  StrideReader lines("one\ntwo\nthr", 2, reset);
  bufio::Scanner s2(lines);
  // The partial last line is still a token (the split sees it at "EOF").
  EXPECT_EQ(ScanAll(s2), (std::vector<std::string>{"one", "two", "thr"}));
  EXPECT_EQ(s2.Err(), reset);
  NoProgressReader stuck;
  bufio::Scanner s3(stuck);
  EXPECT_FALSE(s3.Scan());
  EXPECT_EQ(s3.Err(), io::ErrNoProgress);
}

}  // namespace
}  // namespace simsock::net
