// The vectored calls' pieces below the differential scenarios: IoSpan (the
// caller's buffers as one byte sequence), the control-message walks
// (sim/inet/send_control.h), and what a NULL iovec base does to writev and
// sendmsg (a real kernel faults on any bad pointer, so no scenario can
// show the simulator's NULL-only model).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "simsock/sim/base/io_span.h"
#include "simsock/sim/inet/send_control.h"
#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/kernel/world.h"
#include "simsock/testing/sockets.h"

namespace simsock::sim {
namespace {

std::string Copy(const IoSpan& s, size_t n) {
  std::string out(n, '?');
  s.CopyTo(reinterpret_cast<uint8_t*>(out.data()), n);
  return out;
}

TEST(IoSpan, IovecsReadAsOneSequenceSkippingEmptyPieces) {
  char a[] = "abc", b[] = "de", c[] = "fghij";
  iovec iov[4] = {{a, 3}, {nullptr, 0}, {b, 2}, {c, 5}};
  const IoSpan s(iov, 4, 9);  // the last byte of c is cut by the total
  EXPECT_EQ(s.size(), 9u);
  EXPECT_EQ(s.Readable(), 9u);
  EXPECT_EQ(Copy(s, 9), "abcdefghi");
  EXPECT_EQ(Copy(s.Tail(2), 7), "cdefghi");
  EXPECT_EQ(Copy(s.Tail(3), 6), "defghi");  // past a, over the empty piece
  EXPECT_EQ(Copy(s.Tail(5).Head(3), 3), "fgh");
  EXPECT_EQ(s.Tail(9).size(), 0u);
  std::vector<size_t> chunks;
  s.ForEachChunk(6, [&](const uint8_t*, size_t n) { chunks.push_back(n); });
  EXPECT_EQ(chunks, (std::vector<size_t>{3, 2, 1}));
  std::vector<uint8_t> out{'>'};
  s.Head(4).AppendTo(&out);
  EXPECT_EQ(std::string(out.begin(), out.end()), ">abcd");
}

TEST(IoSpan, ReadableStopsAtTheFirstNullBaseWithBytes) {
  char a[] = "abc";
  iovec iov[3] = {{a, 3}, {nullptr, 4}, {a, 3}};
  EXPECT_EQ(IoSpan(iov, 3, 10).Readable(), 3u);
  EXPECT_EQ(IoSpan(iov, 3, 10).Tail(3).Readable(), 0u);
  EXPECT_EQ(IoSpan(nullptr, 5).Readable(), 0u);
  EXPECT_EQ(IoSpan(nullptr, 0).Readable(), 0u);
  EXPECT_EQ(IoSpan(a, 3).Readable(), 3u);
}

// A control buffer of the given messages (level, type, int data).
struct Ctl {
  alignas(cmsghdr) uint8_t buf[128] = {};
  size_t len = 0;
  void Add(int level, int type, const void* data, size_t n) {
    cmsghdr h{};
    h.cmsg_len = CMSG_LEN(n);
    h.cmsg_level = level;
    h.cmsg_type = type;
    std::memcpy(buf + len, &h, sizeof h);
    std::memcpy(buf + len + CMSG_LEN(0), data, n);
    len += CMSG_SPACE(n);
  }
  SendControl view() const { return {buf, len}; }
};

TEST(SendControl, UdpTakesTtlTosAndPktinfo) {
  Ctl c;
  const int ttl = 9;
  const uint8_t tos = 0x10;
  in_pktinfo info{};
  info.ipi_spec_dst.s_addr = htonl(0x7f000001);
  c.Add(IPPROTO_IP, IP_TTL, &ttl, sizeof ttl);
  c.Add(IPPROTO_IP, IP_TOS, &tos, sizeof tos);
  c.Add(IPPROTO_IP, IP_PKTINFO, &info, sizeof info);
  IpCmsgCookie ipc;
  ASSERT_EQ(UdpCmsgSend(c.view(), &ipc), 0);
  EXPECT_EQ(ipc.ttl, 9);
  EXPECT_EQ(ipc.tos, 0x10);
  EXPECT_TRUE(ipc.pktinfo);
  EXPECT_EQ(ipc.spec_dst, 0x7f000001u);
  // TCP reads only SOL_SOCKET messages: the same buffer is fine.
  EXPECT_EQ(SockCmsgSend(c.view()), 0);
}

TEST(SendControl, UnmodelledMessagesAreRefusedExplicitly) {
  const uint16_t gso = 1000;
  Ctl seg;
  seg.Add(SOL_UDP, UDP_SEGMENT, &gso, sizeof gso);
  IpCmsgCookie ipc;
  EXPECT_EQ(UdpCmsgSend(seg.view(), &ipc), -EOPNOTSUPP);
  Ctl bad_seg;
  const int four = 4;
  bad_seg.Add(SOL_UDP, UDP_SEGMENT, &four, sizeof four);  // wrong length
  EXPECT_EQ(UdpCmsgSend(bad_seg.view(), &ipc), -EINVAL);
  Ctl opts;
  opts.Add(IPPROTO_IP, IP_RETOPTS, &four, 0);
  EXPECT_EQ(UdpCmsgSend(opts.view(), &ipc), -EOPNOTSUPP);
  Ctl txtime;
  txtime.Add(SOL_SOCKET, SCM_TXTIME, &four, sizeof four);
  EXPECT_EQ(SockCmsgSend(txtime.view()), -EINVAL);
  // A buffer too short for one header holds no message at all.
  EXPECT_EQ(SockCmsgSend({txtime.buf, sizeof(cmsghdr) - 1}), 0);
}

class IovSimTest : public ::testing::Test {
 protected:
  IovSimTest() : host_(w_.AddHost("a", "10.0.0.1")), p_(host_.SpawnProcess()) {}
  World w_{5};
  Host& host_;
  Process& p_;
};

// TCP queues the bytes before a NULL base and returns their count; the
// next call, starting at the NULL buffer, is EFAULT.
TEST_F(IovSimTest, TcpWritevStopsAtANullBase) {
  const int l = p_.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  ASSERT_EQ(testing::Bind(p_, l, "127.0.0.1", 7000), 0);
  ASSERT_EQ(p_.listen(l, 4), 0);
  const int c = p_.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  (void)testing::Connect(p_, c, "127.0.0.1", 7000);
  const int s = p_.accept4(l, nullptr, nullptr, SOCK_NONBLOCK);
  ASSERT_GE(s, 0);
  char a[] = "abc";
  iovec iov[3] = {{a, 3}, {nullptr, 4}, {a, 3}};
  EXPECT_EQ(p_.writev(c, iov, 3), 3);
  EXPECT_EQ(p_.writev(c, iov + 1, 2), -EFAULT);
  char buf[16];
  EXPECT_EQ(p_.read(s, buf, sizeof buf), 3);
  EXPECT_EQ(std::string(buf, 3), "abc");
}

// UDP sends nothing when any byte would fault, and drops a corked
// datagram the faulting send appends to.
TEST_F(IovSimTest, UdpSendmsgWithANullBaseSendsNothing) {
  const int rx = p_.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  ASSERT_EQ(testing::Bind(p_, rx, "127.0.0.1", 7001), 0);
  const int tx = p_.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  ASSERT_EQ(testing::Connect(p_, tx, "127.0.0.1", 7001), 0);
  char a[] = "abc";
  iovec iov[2] = {{a, 3}, {nullptr, 4}};
  msghdr m{};
  m.msg_iov = iov;
  m.msg_iovlen = 2;
  EXPECT_EQ(p_.sendmsg(tx, &m, 0), -EFAULT);
  m.msg_iovlen = 1;
  EXPECT_EQ(p_.sendmsg(tx, &m, MSG_MORE), 3);  // corked
  m.msg_iovlen = 2;
  EXPECT_EQ(p_.sendmsg(tx, &m, 0), -EFAULT);  // flushes the cork
  m.msg_iovlen = 1;
  EXPECT_EQ(p_.sendmsg(tx, &m, 0), 3);
  char buf[16];
  EXPECT_EQ(p_.read(rx, buf, sizeof buf), 3);
  EXPECT_EQ(p_.read(rx, buf, sizeof buf), -EAGAIN);
}

}  // namespace
}  // namespace simsock::sim
