// io and bufio over real conns, on both backends (the real kernel over
// 127.0.0.1 and the simulator): a line protocol over TCPConn, ReadString
// with a read deadline firing mid-line (the partial line and the timeout),
// ReadFull on a conn closed early (ErrUnexpectedEOF), io.Copy between
// conns, and a Scanner over UDP datagrams.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/net/net_test_util.h"

namespace simsock::net::testing {
namespace {

using BufioNetTest = NetTest;

// Collects what is written, as Go's bytes.Buffer.
struct StringSink {
  std::string* out;
  Result<size_t> Write(std::span<const char> b) {
    out->append(b.data(), b.size());
    return b.size();
  }
};

// A Go-style line server: Scanner in, bufio::Writer out ("echo: <line>"),
// fed by a client that writes its lines in pieces that cut lines anywhere.
TEST_P(BufioNetTest, LineProtocolOverTCPConn) {
  EXPECT_TRUE(RunBody([&] {
    auto p = MustPair();
    const std::vector<std::string> lines = {"hello", "", "a longer line\r",
                                            std::string(5000, 'x'), "bye"};
    std::string wire;
    for (const auto& l : lines) wire += l + "\n";
    WaitGroup wg(rt());
    wg.Add(1);
    TCPConn client = p.client;
    rt().Go([client, wire, wg]() mutable {
      // Pieces of 1, 2, 3, ... bytes, each its own Write (its own segment).
      size_t off = 0;
      for (size_t len = 1; off < wire.size(); ++len) {
        const size_t n = std::min(len, wire.size() - off);
        if (!client.Write(wire.data() + off, n).ok()) break;
        off += n;
      }
      (void)client.CloseWrite();
      wg.Done();
    });
    bufio::Scanner in(p.server);
    bufio::Writer out(p.server, 64);
    std::vector<std::string> got;
    while (in.Scan()) {
      got.push_back(in.Text());
      ASSERT_TRUE(out.WriteString("echo: ").ok());
      ASSERT_TRUE(out.Write(in.Bytes().data(), in.Bytes().size()).ok());
      ASSERT_TRUE(out.WriteByte('\n').ok());
    }
    EXPECT_FALSE(in.Err());
    ASSERT_TRUE(out.Flush().ok());
    ASSERT_TRUE(p.server.CloseWrite().ok());
    std::vector<std::string> want = lines;
    want[2] = "a longer line";  // ScanLines drops the '\r'
    EXPECT_EQ(got, want);
    // The client reads the echoes with ReadString until kEOF.
    bufio::Reader echoes(p.client);
    for (const auto& l : want) {
      auto s = echoes.ReadString('\n');
      ASSERT_TRUE(s.ok()) << *s.err;
      EXPECT_EQ(s.value, "echo: " + l + "\n");
    }
    auto end = echoes.ReadString('\n');
    EXPECT_EQ(end.value, "");
    EXPECT_EQ(end.err, kEOF);
    wg.Wait();
  }));
}

// Go's rule: ReadString returns what it read before the error. A deadline
// fires mid-line: the partial line and an i/o timeout; once the deadline
// is cleared, the rest of the line follows.
TEST_P(BufioNetTest, ReadStringDeadlineMidLine) {
  EXPECT_TRUE(RunBody([&] {
    auto p = MustPair();
    ASSERT_TRUE(p.client.Write("partial").ok());
    bufio::Reader r(p.server);
    const Time start = rt().Now();
    ASSERT_TRUE(p.server.SetReadDeadline(start.Add(100 * kMillisecond)).ok());
    auto s = r.ReadString('\n');
    EXPECT_EQ(s.value, "partial");
    ASSERT_FALSE(s.ok());
    EXPECT_TRUE(s.err->Timeout()) << *s.err;
    EXPECT_EQ(s.err->Op(), "read");
    EXPECT_GE(MillisSince(rt(), start), 100);
    ASSERT_TRUE(p.server.SetReadDeadline(Time()).ok());
    ASSERT_TRUE(p.client.Write(" rest\nnext").ok());
    s = r.ReadString('\n');
    ASSERT_TRUE(s.ok()) << *s.err;
    EXPECT_EQ(s.value, " rest\n");
    EXPECT_EQ(r.Buffered(), 4u);
    // A Scanner (here over the bufio::Reader) treats the deadline as the
    // end of input: the unterminated "next" is its last token, then it
    // stops for good with the timeout.
    ASSERT_TRUE(
        p.server.SetReadDeadline(rt().Now().Add(50 * kMillisecond)).ok());
    bufio::Scanner sc(r);
    ASSERT_TRUE(sc.Scan());
    EXPECT_EQ(sc.Text(), "next");
    EXPECT_FALSE(sc.Scan());
    ASSERT_TRUE(sc.Err().has_value());
    EXPECT_TRUE(sc.Err()->Timeout());
  }));
}

// ReadFull on a conn whose peer closes before the block is complete.
TEST_P(BufioNetTest, ReadFullOnAConnClosedEarly) {
  EXPECT_TRUE(RunBody([&] {
    auto p = MustPair();
    ASSERT_TRUE(p.client.Write("abc").ok());
    ASSERT_TRUE(p.client.Close().ok());
    char buf[10];
    auto r = io::ReadFull(p.server, buf);
    EXPECT_EQ(r.value, 3u);
    EXPECT_EQ(r.err, io::ErrUnexpectedEOF);
    EXPECT_EQ(std::string(buf, 3), "abc");
    r = io::ReadFull(p.server, buf);
    EXPECT_EQ(r.value, 0u);
    EXPECT_EQ(r.err, kEOF);
  }));
}

// io.Copy from one conn to another (a proxy): every byte, in order, and
// Copy ends with no error at the source's EOF.
TEST_P(BufioNetTest, CopyBetweenConns) {
  EXPECT_TRUE(RunBody([&] {
    auto in = MustPair();
    auto out = MustPair();
    std::string data(200000, '\0');
    for (size_t i = 0; i < data.size(); ++i)
      data[i] = static_cast<char>(i % 251);
    WaitGroup wg(rt());
    wg.Add(2);
    TCPConn writer = in.client;
    rt().Go([writer, &data, wg]() mutable {
      (void)writer.Write(data);
      (void)writer.Close();
      wg.Done();
    });
    TCPConn from = in.server;
    TCPConn to = out.client;
    io::Partial<int64_t> copied;
    rt().Go([from, to, &copied, wg]() mutable {
      copied = io::Copy(to, from);
      (void)to.CloseWrite();
      wg.Done();
    });
    std::string got;
    StringSink sink{&got};
    auto c = io::Copy(sink, out.server);
    EXPECT_TRUE(c.ok()) << *c.err;
    wg.Wait();
    EXPECT_TRUE(copied.ok()) << *copied.err;
    EXPECT_EQ(copied.value, static_cast<int64_t>(data.size()));
    EXPECT_EQ(c.value, static_cast<int64_t>(data.size()));
    EXPECT_TRUE(got == data);
  }));
}

// A UDPConn is an io::Reader too: each Read is one datagram.
TEST_P(BufioNetTest, ScannerOverUdpDatagrams) {
  EXPECT_TRUE(RunBody([&] {
    auto server = ListenUDP(rt(), "udp4", UDPAddr{ParseIP(Loopback()), 0, ""});
    ASSERT_TRUE(server.ok()) << server.error();
    UDPAddr to = server->LocalAddr().AsUDPAddr();
    auto client = DialUDP(rt(), "udp4", nullptr, to);
    ASSERT_TRUE(client.ok()) << client.error();
    ASSERT_TRUE(client->Write("one\ntw").ok());
    ASSERT_TRUE(client->Write("o\nthree\n").ok());
    ASSERT_TRUE(
        server->SetReadDeadline(rt().Now().Add(200 * kMillisecond)).ok());
    bufio::Scanner sc(*server);
    std::vector<std::string> got;
    while (sc.Scan()) got.push_back(sc.Text());
    EXPECT_EQ(got, (std::vector<std::string>{"one", "two", "three"}));
    ASSERT_TRUE(sc.Err().has_value());
    EXPECT_TRUE(sc.Err()->Timeout());
  }));
}

INSTANTIATE_TEST_SUITE_P(Backends, BufioNetTest,
                         ::testing::ValuesIn(AllBackends()), BackendName);

}  // namespace
}  // namespace simsock::net::testing
