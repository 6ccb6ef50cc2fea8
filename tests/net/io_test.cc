// Go's io (ReadAtLeast, ReadFull, Copy, CopyN, LimitReader, MultiWriter,
// the error texts) and bufio.Writer, with the edge cases of Go's
// io_test.go and bufio_test.go ported to in-memory readers and writers.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "simsock/net/io/bufio.h"
#include "simsock/net/tcpsock.h"
#include "simsock/net/udpsock.h"
#include "tests/net/io_test_util.h"

namespace simsock::net {
namespace {

using iotest::FractionWriter;
using iotest::NoProgressReader;
using iotest::StrideReader;
using iotest::StringWriter;

// The types Go's io.Reader/io.Writer take: conns, the bufio types, a
// LimitedReader, a MultiWriter and a user's own.
static_assert(io::ReaderType<Conn> && io::ReaderType<TCPConn> &&
              io::ReaderType<UDPConn> && io::ReaderType<bufio::Reader> &&
              io::ReaderType<io::LimitedReader> &&
              io::ReaderType<StrideReader>);
static_assert(io::WriterType<Conn> && io::WriterType<TCPConn> &&
              io::WriterType<UDPConn> && io::WriterType<bufio::Writer> &&
              io::WriterType<io::MultiWriter> && io::WriterType<StringWriter>);
static_assert(!io::ReaderType<StringWriter> && !io::WriterType<StrideReader>);

TEST(IoErrors, GoTextsAndEquality) {
  EXPECT_EQ(io::ErrUnexpectedEOF.ToString(), "unexpected EOF");
  EXPECT_EQ(io::ErrShortWrite.ToString(), "short write");
  EXPECT_EQ(io::ErrShortBuffer.ToString(), "short buffer");
  EXPECT_EQ(io::ErrNoProgress.ToString(),
            "multiple Read calls return no data or error");
  EXPECT_EQ(bufio::ErrBufferFull.ToString(), "bufio: buffer full");
  EXPECT_EQ(bufio::ErrNegativeCount.ToString(), "bufio: negative count");
  EXPECT_EQ(bufio::ErrInvalidUnreadByte.ToString(),
            "bufio: invalid use of UnreadByte");
  EXPECT_EQ(bufio::ErrTooLong.ToString(), "bufio.Scanner: token too long");
  EXPECT_EQ(bufio::ErrFinalToken.ToString(), "final token");
  EXPECT_TRUE(io::ErrUnexpectedEOF == io::ErrUnexpectedEOF);
  EXPECT_FALSE(io::ErrUnexpectedEOF == kEOF);
  EXPECT_FALSE(io::ErrUnexpectedEOF.IsEOF());
  EXPECT_FALSE(io::ErrShortWrite == io::ErrShortBuffer);
}

// io_test.go testReadAtLeast, over a buffer that returns kEOF when empty.
TEST(Io, ReadAtLeastAsGo) {
  StrideReader rb("0123");
  char buf[2];
  auto r = io::ReadAtLeast(rb, buf, 2);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.value, 2u);
  EXPECT_EQ(std::string(buf, 2), "01");
  r = io::ReadAtLeast(rb, buf, 4);
  EXPECT_EQ(r.err, io::ErrShortBuffer);
  EXPECT_EQ(r.value, 0u);
  r = io::ReadAtLeast(rb, buf, 1);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.value, 2u);
  r = io::ReadAtLeast(rb, buf, 2);
  EXPECT_EQ(r.err, kEOF);
  EXPECT_EQ(r.value, 0u);
  StrideReader one("4");
  r = io::ReadAtLeast(one, buf, 2);
  EXPECT_EQ(r.err, io::ErrUnexpectedEOF);
  EXPECT_EQ(r.value, 1u);
  // min 0 reads nothing.
  r = io::ReadAtLeast(one, buf, 0);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.value, 0u);
}

TEST(Io, ReadFullUnderShortReadsAndErrors) {
  char buf[10];
  // One byte at a time: all ten.
  StrideReader slow("0123456789abc", 1);
  auto r = io::ReadFull(slow, buf);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(std::string(buf, 10), "0123456789");
  EXPECT_EQ(slow.reads(), 10);
  // The end inside the block: the bytes and ErrUnexpectedEOF.
  StrideReader short_data("hello", 2);
  r = io::ReadFull(short_data, buf);
  EXPECT_EQ(r.value, 5u);
  EXPECT_EQ(r.err, io::ErrUnexpectedEOF);
  EXPECT_EQ(std::string(buf, 5), "hello");
  // Nothing at all: kEOF itself.
  StrideReader empty("");
  r = io::ReadFull(empty, buf);
  EXPECT_EQ(r.value, 0u);
  EXPECT_EQ(r.err, kEOF);
  // Another error after some data: that error, with the count.
  StrideReader reset("abc", 0, Error::FromErrno(ECONNRESET, "read"));
  r = io::ReadFull(reset, buf);
  EXPECT_EQ(r.value, 3u);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err->Errno(), ECONNRESET);
  // A reader that never progresses: bounded, ErrNoProgress.
  NoProgressReader stuck;
  r = io::ReadFull(stuck, buf);
  EXPECT_EQ(r.err, io::ErrNoProgress);
  EXPECT_EQ(stuck.reads, io::kMaxConsecutiveEmptyReads);
  // An empty buffer needs no read.
  r = io::ReadFull(stuck, std::span<char>());
  EXPECT_TRUE(r.ok());
}

TEST(Io, CopyAndCopyN) {
  StrideReader src("hello, world.", 3);
  StringWriter dst;
  auto c = io::Copy(dst, src);
  EXPECT_TRUE(c.ok());
  EXPECT_EQ(c.value, 13);
  EXPECT_EQ(dst.data, "hello, world.");
  // io_test.go TestCopyN and TestCopyNEOF.
  StrideReader hello("hello, world.");
  StringWriter five;
  c = io::CopyN(five, hello, 5);
  EXPECT_TRUE(c.ok());
  EXPECT_EQ(five.data, "hello");
  StrideReader foo("foo");
  StringWriter out;
  c = io::CopyN(out, foo, 3);
  EXPECT_TRUE(c.ok());
  EXPECT_EQ(c.value, 3);
  StrideReader foo2("foo");
  c = io::CopyN(out, foo2, 4);
  EXPECT_EQ(c.value, 3);
  EXPECT_EQ(c.err, kEOF);
  EXPECT_EQ(out.data, "foofoo");
}

// io_test.go TestCopyReadErrWriteErr and short writes.
TEST(Io, CopyErrors) {
  StrideReader bad("", 0, Error::New("readError"));
  FractionWriter failing{1, 1, Error::New("writeError"), ""};
  auto c = io::Copy(failing, bad);
  EXPECT_EQ(c.value, 0);
  EXPECT_EQ(c.err, Error::New("readError"));
  StrideReader data("abcdef");
  c = io::Copy(failing, data);
  EXPECT_EQ(c.err, Error::New("writeError"));
  StrideReader data2("abcdef");
  FractionWriter half{1, 2, std::nullopt, ""};
  c = io::Copy(half, data2);
  EXPECT_EQ(c.err, io::ErrShortWrite);
  EXPECT_EQ(c.value, 3);
  NoProgressReader stuck;
  StringWriter sink;
  c = io::Copy(sink, stuck);
  EXPECT_EQ(c.err, io::ErrNoProgress);
}

TEST(Io, LimitReader) {
  StrideReader src("hello world");
  io::LimitedReader lr = io::LimitReader(src, 5);
  char buf[16];
  auto r = io::ReadFull(lr, std::span<char>(buf, 8));
  EXPECT_EQ(r.value, 5u);
  EXPECT_EQ(r.err, io::ErrUnexpectedEOF);
  EXPECT_EQ(lr.n, 0);
  Result<size_t> again = lr.Read(buf);
  EXPECT_TRUE(again.IsEOF());
  io::LimitedReader negative = io::LimitReader(src, -1);
  EXPECT_TRUE(negative.Read(buf).IsEOF());
}

TEST(Io, MultiWriter) {
  StringWriter a;
  StringWriter b;
  io::MultiWriter mw({a, b});
  auto n = mw.Write(std::span<const char>("hello", 5));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 5u);
  EXPECT_EQ(a.data, "hello");
  EXPECT_EQ(b.data, "hello");
  // The first failing writer stops the write; later ones see nothing.
  FractionWriter broken{1, 1, Error::New("broken"), ""};
  StringWriter c;
  io::MultiWriter stops({a, broken, c});
  n = stops.Write(std::span<const char>("x", 1));
  EXPECT_EQ(n.error(), Error::New("broken"));
  EXPECT_EQ(a.data, "hellox");
  EXPECT_EQ(c.data, "");
  FractionWriter half{1, 2, std::nullopt, ""};
  io::MultiWriter shorted({half, c});
  n = shorted.Write(std::span<const char>("abcd", 4));
  EXPECT_EQ(n.error(), io::ErrShortWrite);
  EXPECT_EQ(c.data, "");
}

// bufio_test.go TestWriteString.
TEST(BufioWriter, WriteStringAcrossFlushes) {
  StringWriter sink;
  bufio::Writer b(sink, 8);
  for (const char* s :
       {"0", "123456", "7890", "abcdefghijklmnopqrstuvwxy", "z"})
    ASSERT_TRUE(b.WriteString(s).ok());
  ASSERT_TRUE(b.Flush().ok());
  EXPECT_EQ(sink.data, "01234567890abcdefghijklmnopqrstuvwxyz");
  EXPECT_EQ(b.Buffered(), 0u);
  EXPECT_EQ(b.Available(), 8u);
}

// bufio_test.go TestWriter: every buffer size and write size.
TEST(BufioWriter, EverySizeGivesTheSameBytes) {
  std::string data(300, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = ' ' + i % ('~' - ' ');
  for (size_t bufsize : {1, 2, 3, 7, 16, 64, 100, 4096}) {
    for (size_t chunk : {1, 2, 5, 13, 64, 299, 300}) {
      StringWriter sink;
      bufio::Writer w(sink, bufsize);
      for (size_t off = 0; off < data.size(); off += chunk) {
        const size_t n = std::min(chunk, data.size() - off);
        auto r = w.Write(data.data() + off, n);
        ASSERT_TRUE(r.ok());
        EXPECT_EQ(*r, n);
      }
      EXPECT_EQ(w.Buffered() + sink.data.size(), data.size());
      ASSERT_TRUE(w.Flush().ok());
      EXPECT_EQ(sink.data, data) << bufsize << " " << chunk;
    }
  }
}

// bufio_test.go TestWriteErrors: the error of a flush is sticky.
TEST(BufioWriter, FlushErrorIsSticky) {
  struct Case {
    size_t n, m;
    std::optional<Error> err;
    std::optional<Error> want;
  };
  const Error closed = Error::New("io: read/write on closed pipe");
  for (const Case& c :
       std::vector<Case>{{0, 1, std::nullopt, io::ErrShortWrite},
                         {1, 2, std::nullopt, io::ErrShortWrite},
                         {1, 1, std::nullopt, std::nullopt},
                         {0, 1, closed, closed},
                         {1, 1, closed, closed}}) {
    FractionWriter fw{c.n, c.m, c.err, ""};
    bufio::Writer w(fw);
    ASSERT_TRUE(w.WriteString("hello world").ok());
    for (int i = 0; i < 2; ++i) {
      Result<void> f = w.Flush();
      if (c.want) {
        ASSERT_FALSE(f.ok());
        EXPECT_EQ(f.error(), *c.want);
      } else {
        EXPECT_TRUE(f.ok());
      }
    }
  }
}

// What stays: a short flush keeps the bytes not taken; later writes fail
// with the sticky error; Reset clears it.
TEST(BufioWriter, BufferedAfterErrorAndReset) {
  FractionWriter half{1, 2, std::nullopt, ""};
  bufio::Writer w(half, 16);
  ASSERT_TRUE(w.WriteString("0123456789").ok());
  EXPECT_EQ(w.Buffered(), 10u);
  EXPECT_EQ(w.Available(), 6u);
  Result<void> f = w.Flush();
  EXPECT_EQ(f.error(), io::ErrShortWrite);
  EXPECT_EQ(half.data, "01234");
  EXPECT_EQ(w.Buffered(), 5u);  // "56789" stays
  EXPECT_EQ(w.Available(), 11u);
  EXPECT_EQ(w.WriteString("x").error(), io::ErrShortWrite);
  EXPECT_EQ(w.WriteByte('y').error(), io::ErrShortWrite);
  EXPECT_EQ(w.Buffered(), 5u);
  StringWriter sink;
  w.Reset(sink);
  EXPECT_EQ(w.Buffered(), 0u);
  ASSERT_TRUE(w.WriteByte('z').ok());
  ASSERT_TRUE(w.Flush().ok());
  EXPECT_EQ(sink.data, "z");
}

TEST(BufioWriter, WriteByteFlushesAFullBuffer) {
  StringWriter sink;
  bufio::Writer w(sink, 4);
  for (char c : std::string("abcdefghij")) ASSERT_TRUE(w.WriteByte(c).ok());
  EXPECT_EQ(sink.data, "abcdefgh");
  EXPECT_EQ(w.Buffered(), 2u);
  ASSERT_TRUE(w.Flush().ok());
  EXPECT_EQ(sink.data, "abcdefghij");
  // A large write with an empty buffer goes straight through, in one call.
  StringWriter direct;
  bufio::Writer big(direct, 4);
  ASSERT_TRUE(big.WriteString("0123456789").ok());
  EXPECT_EQ(direct.writes, 1);
  EXPECT_EQ(big.Buffered(), 0u);
  // Size 0 is Go's default size.
  bufio::Writer def(direct, 0);
  EXPECT_EQ(def.Size(), bufio::kDefaultBufSize);
}

}  // namespace
}  // namespace simsock::net
