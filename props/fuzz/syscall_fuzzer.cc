// libFuzzer harness for the simulated kernel: the input is decoded into a
// sequence of syscalls, with good and bad arguments (bad fds, null pointers
// with zero and non-zero lengths, odd lengths, flags, levels and options),
// made by 4 processes on 2 hosts (1 ms apart), interleaved with advances of
// virtual time. Built with clang's -fsanitize=fuzzer,address,undefined.
//
// Pointers are always valid or null: the simulator, like Linux, answers
// EFAULT for a null pointer with a non-zero length, but it cannot detect a
// wild pointer, so none is ever passed.
//
// Checked after every call:
//   - the result is >= 0 or a negated errno in 1..133 (nothing else leaks);
//   - an fd returned by socket/accept4/epoll_create1 was the lowest free
//     number of that process's table, and the table holds it afterwards;
//   - read/recvfrom/write/sendto never return more than was asked;
//   - close() of an fd that the table does not hold is EBADF.
// At the end every fd is closed and, after 1000 s of virtual time (longer
// than every retransmission give-up), no connection or port is left.
//
// Replay one input with its trace on stderr:
//   SIMSOCK_FUZZ_TRACE=1 build/asan/props/syscall_fuzzer <file>
//
// Run longer (see docs/props.md):
//   build/asan/props/syscall_fuzzer -max_total_time=3600 -max_len=4096 \
//       /tmp/corpus props/fuzz/corpus
#include <fcntl.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <vector>

#include "props/prop_util.h"
#include "simsock/sim/inet/port_table.h"
#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/kernel/world.h"

namespace {

using simsock::props::Addr;
using simsock::props::HostIp;
using simsock::props::kLoopback;

class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : p_(data), end_(data + size) {}
  bool done() const { return p_ >= end_; }
  uint8_t U8() { return p_ < end_ ? *p_++ : 0; }
  uint16_t U16() { return static_cast<uint16_t>(U8() | (U8() << 8)); }
  uint32_t U32() { return U16() | (static_cast<uint32_t>(U16()) << 16); }
  template <typename T, size_t N>
  T Pick(const T (&options)[N]) {
    return options[U8() % N];
  }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

[[noreturn]] void Die(const char* what, long value) {
  std::fprintf(stderr, "syscall_fuzzer: invariant broken: %s (%ld)\n", what,
               value);
  std::abort();
}

void CheckResult(long r) {
  if (r < 0 && (r < -133)) Die("result is not -errno", r);
}

int LowestFree(simsock::sim::Process& p) {
  std::vector<int> open = p.fds().OpenFds();
  int fd = 0;
  for (int n : open) {
    if (n != fd) break;
    ++fd;
  }
  return fd;
}

void CheckNewFd(simsock::sim::Process& p, int lowest, long r) {
  if (r < 0) return;
  if (r != lowest) Die("new fd is not the lowest free", r);
  if (p.fds().Get(static_cast<int>(r)) == nullptr)
    Die("new fd not in table", r);
}

const int kDomains[] = {AF_INET, AF_INET, AF_INET, AF_INET6, AF_UNIX, 77};
const int kTypes[] = {SOCK_STREAM | SOCK_NONBLOCK,
                      SOCK_STREAM | SOCK_NONBLOCK,
                      SOCK_STREAM | SOCK_NONBLOCK,
                      SOCK_DGRAM | SOCK_NONBLOCK,
                      SOCK_STREAM,
                      SOCK_SEQPACKET,
                      77,
                      SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC};
const int kProtocols[] = {0, 0, 0, IPPROTO_TCP, IPPROTO_UDP, 200};
const uint16_t kPorts[] = {0, 7001, 7002, 7003, 80, 40000};
const int kLevels[] = {SOL_SOCKET, SOL_SOCKET, IPPROTO_TCP, IPPROTO_IP, 999};
const int kOpts[] = {SO_ERROR,     SO_TYPE,     SO_REUSEADDR,  SO_REUSEPORT,
                     SO_RCVBUF,    SO_SNDBUF,   SO_KEEPALIVE,  SO_LINGER,
                     SO_RCVTIMEO,  SO_SNDTIMEO, TCP_NODELAY,   TCP_MAXSEG,
                     TCP_KEEPIDLE, TCP_SYNCNT,  SO_ACCEPTCONN, 12345};
const int kLens[] = {0, 1, 2, 4, 8, 16, 17, 28, 64, 200};
const int kMsgFlags[] = {0,
                         0,
                         MSG_PEEK,
                         MSG_TRUNC,
                         MSG_DONTWAIT,
                         MSG_OOB,
                         MSG_WAITALL | MSG_DONTWAIT,
                         MSG_NOSIGNAL};
const int kFcntlCmds[] = {F_GETFL, F_SETFL, F_GETFD, F_SETFD, 9999};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace simsock;
  Reader in(data, size);
  sim::World world(in.U32());
  // Replaying one input: SIMSOCK_FUZZ_TRACE=1 prints the world's trace.
  static const bool trace = std::getenv("SIMSOCK_FUZZ_TRACE") != nullptr;
  world.trace().SetEnabled(trace);
  if (trace) world.trace().SetSink(&std::cerr);
  // A blocking call that timers keep busy forever (zero-window probes the
  // peer answers, keepalives) gives up after 1000 s of virtual time, the
  // same horizon as the final leak check.
  world.SetDriverWaitLimit(std::chrono::seconds(1000));
  sim::Host& a = world.AddHost("a", "10.0.0.1");
  sim::Host& b = world.AddHost("b", "10.0.0.2");
  world.network().SetLatency(a, b, std::chrono::milliseconds(1));
  sim::Process* procs[4] = {&a.SpawnProcess(), &a.SpawnProcess(),
                            &b.SpawnProcess(), &b.SpawnProcess()};
  std::vector<char> buf(70000);

  for (int step = 0; step < 200 && !in.done(); ++step) {
    uint8_t op = in.U8();
    sim::Process& p = *procs[(op >> 5) % 4];
    // fds: mostly small, sometimes negative or huge.
    uint8_t fb = in.U8();
    int fd = fb < 240 ? fb % 12 : fb < 248 ? -1 - (fb & 3) : 100000 + fb;
    uint32_t ip = in.Pick<uint32_t>(
        {kLoopback, HostIp(0), HostIp(1), 0u, 0x0a000009u, 0xffffffffu});
    uint16_t port = in.Pick(kPorts);
    sockaddr_in sa = Addr(ip, port);
    uint8_t fam = in.U8();
    if (fam % 16 == 1) sa.sin_family = AF_INET6;
    if (fam % 16 == 2) sa.sin_family = AF_UNSPEC;
    socklen_t salen =
        fam % 8 == 3 ? static_cast<socklen_t>(in.Pick(kLens)) : sizeof sa;
    // The address lives in a buffer valid for every length passed (up to
    // 200 bytes; Linux copies min(len, sizeof(sockaddr_storage))).
    alignas(sockaddr_storage) unsigned char sa_buf[256] = {};
    std::memcpy(sa_buf, &sa, sizeof sa);
    sockaddr* sap = reinterpret_cast<sockaddr*>(sa_buf);
    bool null_ptr = in.U8() % 16 == 0;
    size_t len = in.U16() % 70000;
    if (len > 3000 && in.U8() % 4 != 0) len %= 3000;
    long r = 0;
    switch (op % 20) {
      case 0:
      case 1: {
        int lowest = LowestFree(p);
        r = p.socket(in.Pick(kDomains), in.Pick(kTypes), in.Pick(kProtocols));
        CheckNewFd(p, lowest, r);
        break;
      }
      case 2:
        r = p.bind(fd, null_ptr ? nullptr : sap, salen);
        break;
      case 3:
        r = p.listen(fd, static_cast<int8_t>(in.U8()));
        break;
      case 4:
      case 5:
        r = p.connect(fd, null_ptr ? nullptr : sap, salen);
        break;
      case 6: {
        int lowest = LowestFree(p);
        sockaddr_in peer{};
        socklen_t plen =
            static_cast<socklen_t>(in.Pick({0, 2, 16, 16, 16, 64, -1}));
        int flags = in.Pick<int>(
            {SOCK_NONBLOCK, SOCK_NONBLOCK, 0, SOCK_CLOEXEC, 0x4000000});
        bool no_addr = in.U8() % 4 == 0;
        r = no_addr ? p.accept4(fd, nullptr, nullptr, flags | SOCK_NONBLOCK)
                    : p.accept4(fd, reinterpret_cast<sockaddr*>(&peer), &plen,
                                flags | SOCK_NONBLOCK);
        CheckNewFd(p, lowest, r);
        break;
      }
      case 7:
        r = p.read(fd, null_ptr ? nullptr : buf.data(), len);
        if (r > static_cast<long>(len)) Die("read returned more than asked", r);
        break;
      case 8:
        r = p.write(fd, null_ptr ? nullptr : buf.data(), len);
        if (r > static_cast<long>(len))
          Die("write accepted more than given", r);
        break;
      case 9: {
        sockaddr_in from{};
        socklen_t flen = sizeof from;
        r = p.recvfrom(fd, null_ptr ? nullptr : buf.data(), len,
                       in.Pick(kMsgFlags) | MSG_DONTWAIT,
                       reinterpret_cast<sockaddr*>(&from), &flen);
        if (r > static_cast<long>(len) && r >= 0) {
          // MSG_TRUNC on UDP reports the real length: bounded by 65507.
          if (r > 65507) Die("recvfrom length out of range", r);
        }
        break;
      }
      case 10:
        r = p.sendto(fd, null_ptr ? nullptr : buf.data(), len,
                     in.Pick(kMsgFlags) | MSG_DONTWAIT | MSG_NOSIGNAL,
                     in.U8() % 2 ? sap : nullptr, salen);
        if (r > static_cast<long>(len)) Die("sendto sent more than given", r);
        break;
      case 11:
        r = p.shutdown(fd, in.Pick<int>({SHUT_RD, SHUT_WR, SHUT_RDWR, 3, -1}));
        break;
      case 12: {
        bool open = fd >= 0 && p.fds().Get(fd) != nullptr;
        r = p.close(fd);
        if (!open && r != -EBADF) Die("close of a closed fd", r);
        if (open && p.fds().Get(fd) != nullptr) Die("fd still open", fd);
        break;
      }
      case 13: {
        char opt[64] = {};
        socklen_t olen = static_cast<socklen_t>(in.Pick(kLens));
        if (olen > sizeof opt) olen = sizeof opt;
        r = p.getsockopt(fd, in.Pick(kLevels), in.Pick(kOpts),
                         null_ptr ? nullptr : opt, &olen);
        if (r == 0 && olen > sizeof opt) Die("getsockopt length grew", olen);
        break;
      }
      case 14: {
        char opt[64] = {};
        uint32_t v = in.U32();
        std::memcpy(opt, &v, sizeof v);
        // SO_LINGER / timeouts stay short, so closes and waits end soon.
        opt[4] = static_cast<char>(in.U8() % 3);
        opt[5] = opt[6] = opt[7] = 0;
        int optname = in.Pick(kOpts);
        if (optname == SO_RCVTIMEO || optname == SO_SNDTIMEO) {
          timeval tv{0, static_cast<long>(v % 500000)};
          std::memcpy(opt, &tv, sizeof tv);
        }
        r = p.setsockopt(fd, in.Pick(kLevels), optname,
                         null_ptr ? nullptr : opt,
                         static_cast<socklen_t>(in.Pick(kLens)));
        break;
      }
      case 15: {
        sockaddr_in out{};
        socklen_t olen =
            static_cast<socklen_t>(in.Pick<int>({16, 16, 2, 0, -1}));
        r = in.U8() % 2
                ? p.getsockname(fd, reinterpret_cast<sockaddr*>(&out), &olen)
                : p.getpeername(fd, reinterpret_cast<sockaddr*>(&out), &olen);
        break;
      }
      case 16:
        r = p.fcntl(
            fd, in.Pick(kFcntlCmds),
            in.Pick<long>({0L, long{O_NONBLOCK}, long{FD_CLOEXEC}, -1L}));
        break;
      case 17: {
        int lowest = LowestFree(p);
        r = p.epoll_create1(in.Pick<int>({0, 0, EPOLL_CLOEXEC, 1}));
        CheckNewFd(p, lowest, r);
        break;
      }
      case 18: {
        epoll_event ev{};
        ev.events = in.U32() & (EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET |
                                EPOLLONESHOT | EPOLLERR | EPOLLHUP);
        ev.data.u64 = 7;
        int target = in.U8() % 12;
        int op_code = in.Pick<int>(
            {EPOLL_CTL_ADD, EPOLL_CTL_ADD, EPOLL_CTL_MOD, EPOLL_CTL_DEL, 9});
        r = p.epoll_ctl(fd, op_code, target, null_ptr ? nullptr : &ev);
        if (in.U8() % 2) {
          epoll_event evs[8];
          int maxev = in.Pick<int>({8, 8, 1, 0, -1});
          long w = p.epoll_wait(fd, null_ptr ? nullptr : evs, maxev, 0);
          CheckResult(w);
          if (w > std::max(maxev, 0)) Die("epoll_wait returned too many", w);
        }
        break;
      }
      case 19:
        world.RunFor(std::chrono::microseconds(
            in.Pick<long>({10L, 1000L, 50000L, 1000000L, 61000000L})));
        break;
    }
    CheckResult(r);
  }

  for (sim::Process* p : procs) {
    for (int fd : p->fds().OpenFds()) {
      if (p->close(fd) != 0) Die("close of an open fd failed", fd);
    }
  }
  world.RunFor(std::chrono::seconds(1000));
  for (sim::Host* h : {&a, &b}) {
    if (h->connection_count() != 0) {
      Die("connections left after close + 1000 s", h->connection_count());
    }
    if (h->tcp_ports().size() != 0 || h->udp_ports().size() != 0) {
      Die("ports left after close + 1000 s",
          h->tcp_ports().size() + h->udp_ports().size());
    }
  }
  return 0;
}
