// net_pingpong: the net layer on the real kernel against the loops a user
// would otherwise write (issue 10). 64-byte ping-pong over 127.0.0.1, one
// thread, client and server ends in the same event loop, N connections each
// with one message in flight:
//   (A) epoll: a raw level-triggered epoll loop (epoll_wait, read, write);
//   (B) asio:  Boost.Asio (header-only, from Debian's libboost-dev):
//              async_read / async_write of 64 bytes on one io_context;
//   (C) net:   simsock::net over sys::LinuxSyscalls: a task per end, each
//              Conn::Read-ing the 64 bytes and Conn::Write-ing them back.
// Every end sets TCP_NODELAY (as Go, and so simsock::net, does). Runs are
// interleaved (A, B, C, A, B, C, ...) so a shared machine's noise hits all
// three; each figure is the median over the rounds. Prints round trips per
// second and the ratios C/A and C/B. Timing never fails: the exit status
// only says whether every run worked.
//
//   net_pingpong [--seconds S] [--rounds R] [--conns N[,N...]]
//   net_pingpong --only epoll|asio|net --conns N --trips K
// The second form runs K round trips of one implementation, for strace -c
// and callgrind (divide their counts by K).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <utility>  // before Asio 1.74: its awaitable.hpp needs std::exchange
// clang-format off
#include <boost/asio.hpp>
// clang-format on
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "simsock/net/net.h"
#include "simsock/net/sys/linux_syscalls.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kMessage = 64;

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "net_pingpong: %s\n", what.c_str());
  std::exit(1);
}

// When a run stops: after `trips` round trips (if > 0) or at `end`.
struct Budget {
  uint64_t trips = 0;
  Clock::time_point end;
  uint64_t done = 0;
  bool stopped = false;
  // Counts one round trip; false once the run should stop (and after).
  bool Next() {
    ++done;
    if (stopped) return false;
    if (trips > 0) {
      stopped = done >= trips;
    } else if ((done & 63) == 0) {  // the clock (vDSO) every 64 trips
      stopped = Clock::now() >= end;
    }
    return !stopped;
  }
};

// ---- (A) a raw epoll loop -------------------------------------------------

int ListenLoopback(sockaddr_in* addr) {
  int l = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (l < 0) Fail("socket: " + std::string(std::strerror(errno)));
  *addr = sockaddr_in{};
  addr->sin_family = AF_INET;
  addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof *addr;
  if (::bind(l, reinterpret_cast<sockaddr*>(addr), len) != 0 ||
      ::listen(l, 1024) != 0 ||
      ::getsockname(l, reinterpret_cast<sockaddr*>(addr), &len) != 0) {
    Fail("listen: " + std::string(std::strerror(errno)));
  }
  return l;
}

double RunEpoll(int conns, Budget budget) {
  sockaddr_in addr;
  int l = ListenLoopback(&addr);
  struct End {
    int fd = -1;
    bool client = false;
    size_t got = 0;
    char buf[kMessage];
  };
  std::vector<End> ends(2 * static_cast<size_t>(conns));
  const int one = 1;
  for (int i = 0; i < conns; ++i) {
    int c = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c < 0 ||
        ::connect(c, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      Fail("connect: " + std::string(std::strerror(errno)));
    }
    int s = ::accept4(l, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (s < 0) Fail("accept4: " + std::string(std::strerror(errno)));
    ::fcntl(c, F_SETFL, O_NONBLOCK);
    for (int fd : {c, s}) {
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    ends[2 * i].fd = c;
    ends[2 * i].client = true;
    ends[2 * i + 1].fd = s;
  }
  ::close(l);
  int ep = ::epoll_create1(EPOLL_CLOEXEC);
  for (End& e : ends) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = &e;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, e.fd, &ev);
  }
  char msg[kMessage];
  std::memset(msg, 'x', sizeof msg);
  auto start = Clock::now();
  for (int i = 0; i < conns; ++i) {
    if (::write(ends[2 * i].fd, msg, kMessage) != kMessage) Fail("write");
  }
  bool running = true;
  int in_flight = conns;
  epoll_event events[128];
  while (in_flight > 0) {
    int n = ::epoll_wait(ep, events, 128, 10'000);
    if (n <= 0) Fail("epoll_wait: no progress");
    for (int i = 0; i < n; ++i) {
      End& e = *static_cast<End*>(events[i].data.ptr);
      ssize_t r = ::read(e.fd, e.buf + e.got, kMessage - e.got);
      if (r <= 0) Fail("read: " + std::string(std::strerror(errno)));
      e.got += static_cast<size_t>(r);
      if (e.got < kMessage) continue;
      e.got = 0;
      if (e.client) {
        running = running && budget.Next();
        if (!running) {
          --in_flight;
          continue;
        }
      }
      if (::write(e.fd, e.buf, kMessage) != kMessage) Fail("write");
    }
  }
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  for (End& e : ends) ::close(e.fd);
  ::close(ep);
  return static_cast<double>(budget.done) / secs;
}

// ---- (B) Boost.Asio -------------------------------------------------------

namespace asio = boost::asio;
using asio::ip::tcp;

// One end's loop: read 64 bytes, then (client) count and write the next
// message or (server) echo them.
struct AsioEnd : std::enable_shared_from_this<AsioEnd> {
  AsioEnd(tcp::socket s, bool client, Budget* budget)
      : sock(std::move(s)), client(client), budget(budget) {}
  void Read() {
    asio::async_read(sock, asio::buffer(buf),
                     [self = shared_from_this()](boost::system::error_code ec,
                                                 size_t) { self->OnRead(ec); });
  }
  void OnRead(boost::system::error_code ec) {
    if (ec) return;  // the peer closed: the run is over
    if (client && !budget->Next()) {
      sock.close();
      return;
    }
    Write();
  }
  void Write() {
    asio::async_write(
        sock, asio::buffer(buf),
        [self = shared_from_this()](boost::system::error_code ec, size_t) {
          if (ec) Fail("asio write: " + ec.message());
          self->Read();
        });
  }
  tcp::socket sock;
  bool client;
  Budget* budget;
  std::array<char, kMessage> buf{};
};

double RunAsio(int conns, Budget budget) {
  asio::io_context io(1);
  tcp::acceptor acceptor(io,
                         tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  const tcp::endpoint at = acceptor.local_endpoint();
  std::vector<std::shared_ptr<AsioEnd>> clients;
  for (int i = 0; i < conns; ++i) {
    tcp::socket c(io);
    c.connect(at);
    tcp::socket s = acceptor.accept();
    c.set_option(tcp::no_delay(true));
    s.set_option(tcp::no_delay(true));
    clients.push_back(std::make_shared<AsioEnd>(std::move(c), true, &budget));
    std::make_shared<AsioEnd>(std::move(s), false, &budget)->Read();
  }
  auto start = Clock::now();
  for (auto& c : clients) c->Write();
  clients.clear();
  io.run();
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  return static_cast<double>(budget.done) / secs;
}

// ---- (C) simsock::net over LinuxSyscalls ------------------------------------

namespace net = simsock::net;

// Reads exactly len bytes (Go's io.ReadFull); false on EOF or error.
bool ReadFull(net::Conn& c, char* buf, size_t len) {
  size_t got = 0;
  while (got < len) {
    auto r = c.Read(buf + got, len - got);
    if (!r.ok()) return false;
    got += *r;
  }
  return true;
}

double RunNet(int conns, Budget budget) {
  simsock::sys::LinuxSyscalls sys;
  net::Runtime rt(sys);
  Clock::time_point start;
  rt.Go([&] {
    auto ln = net::Listen(rt, "tcp4", "127.0.0.1:0");
    if (!ln.ok()) Fail(ln.error().ToString());
    const std::string at = ln->Addr().String();
    std::vector<net::Conn> clients;
    for (int i = 0; i < conns; ++i) {
      auto c = net::Dial(rt, "tcp4", at);
      if (!c.ok()) Fail(c.error().ToString());
      auto s = ln->Accept();
      if (!s.ok()) Fail(s.error().ToString());
      clients.push_back(*c);
      rt.Go([s = net::Conn(*s)]() mutable {
        char buf[kMessage];
        while (ReadFull(s, buf, kMessage)) {
          if (!s.Write(buf, kMessage).ok()) break;
        }
        (void)s.Close();
      });
    }
    (void)ln->Close();
    start = Clock::now();
    for (net::Conn& c : clients) {
      rt.Go([c, &budget]() mutable {
        char buf[kMessage];
        std::memset(buf, 'x', sizeof buf);
        do {
          if (!c.Write(buf, kMessage).ok()) Fail("net write");
          if (!ReadFull(c, buf, kMessage)) Fail("net read");
        } while (budget.Next());
        (void)c.Close();
      });
    }
  });
  if (rt.Run() != net::RunStatus::kAllDone) Fail("net: runtime did not finish");
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  return static_cast<double>(budget.done) / secs;
}

// ---- driver ---------------------------------------------------------------

using RunFn = double (*)(int, Budget);
struct Impl {
  const char* name;
  RunFn run;
};
constexpr Impl kImpls[] = {
    {"epoll", RunEpoll}, {"asio", RunAsio}, {"net", RunNet}};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::vector<int> ParseConns(const char* s) {
  std::vector<int> out;
  for (char* end = nullptr;; s = end + 1) {
    long n = std::strtol(s, &end, 10);
    if (end == s || n < 1 || n > 10000) Fail("bad --conns");
    out.push_back(static_cast<int>(n));
    if (*end != ',') break;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 1.0;
  int rounds = 5;
  std::vector<int> conns = {1, 100};
  const char* only = nullptr;
  uint64_t trips = 0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--seconds" && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
    } else if (a == "--rounds" && i + 1 < argc) {
      rounds = std::atoi(argv[++i]);
    } else if (a == "--conns" && i + 1 < argc) {
      conns = ParseConns(argv[++i]);
    } else if (a == "--only" && i + 1 < argc) {
      only = argv[++i];
    } else if (a == "--trips" && i + 1 < argc) {
      trips = std::strtoull(argv[++i], nullptr, 10);
    } else {
      std::fprintf(stderr,
                   "usage: %s [--seconds S] [--rounds R] [--conns N[,N..]]\n"
                   "       %s --only epoll|asio|net --conns N --trips K\n",
                   argv[0], argv[0]);
      return 2;
    }
  }
  if (seconds <= 0 || seconds > 60) seconds = 1.0;
  if (rounds < 1 || rounds > 100) rounds = 5;

  if (only != nullptr) {
    for (const Impl& impl : kImpls) {
      if (std::string(only) != impl.name) continue;
      Budget b;
      b.trips = trips > 0 ? trips : 100000;
      double rate = impl.run(conns.front(), b);
      std::printf("%s, %d conns: %.0f round trips/s\n", impl.name,
                  conns.front(), rate);
      return 0;
    }
    Fail("unknown --only " + std::string(only));
  }

  std::printf(
      "net_pingpong: %zu-byte ping-pong on 127.0.0.1, one thread, "
      "%d interleaved rounds of %.2f s, medians\n",
      kMessage, rounds, seconds);
  for (int n : conns) {
    std::vector<double> rates[3];
    for (int r = 0; r < rounds; ++r) {
      for (int k = 0; k < 3; ++k) {
        Budget b;
        b.end = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(seconds));
        rates[k].push_back(kImpls[k].run(n, b));
      }
    }
    double m[3];
    for (int k = 0; k < 3; ++k) m[k] = Median(rates[k]);
    std::printf(
        "  %4d conns: epoll %9.0f  asio %9.0f  net %9.0f round trips/s;"
        "  net/epoll %.2f (target >= 0.9)  net/asio %.2f (target >= 1.0)\n",
        n, m[0], m[1], m[2], m[2] / m[0], m[2] / m[1]);
  }
  return 0;
}
