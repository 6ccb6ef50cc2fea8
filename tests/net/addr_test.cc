// Addresses, host:port syntax, resolution and error texts, against Go's.
#include <gtest/gtest.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "simsock/sim/inet/packet.h"
#include "tests/net/net_test_util.h"

namespace simsock::net::testing {
namespace {

TEST(SplitHostPortTest, GoCases) {
  struct Case {
    const char* in;
    const char* host;
    const char* port;
  };
  for (const Case& c :
       {Case{"localhost:80", "localhost", "80"},
        Case{"127.0.0.1:6445", "127.0.0.1", "6445"},
        Case{"[::1]:80", "::1", "80"},
        Case{"[fe80::1%lo0]:80", "fe80::1%lo0", "80"}, Case{":80", "", "80"},
        Case{"host:", "host", ""}, Case{"[]:http", "", "http"}}) {
    auto r = SplitHostPort(c.in);
    ASSERT_TRUE(r.ok()) << c.in << ": " << r.error();
    EXPECT_EQ(r->host, c.host) << c.in;
    EXPECT_EQ(r->port, c.port) << c.in;
  }
}

TEST(SplitHostPortTest, GoErrors) {
  struct Case {
    const char* in;
    const char* err;
  };
  for (const Case& c : {
           Case{"127.0.0.1", "address 127.0.0.1: missing port in address"},
           Case{"golang.org", "address golang.org: missing port in address"},
           Case{"::1:80", "address ::1:80: too many colons in address"},
           Case{"[::1]", "address [::1]: missing port in address"},
           Case{"[::1", "address [::1: missing ']' in address"},
           Case{"[::1]x:80", "address [::1]x:80: missing port in address"},
           Case{"[::1]:80:90",
                "address [::1]:80:90: too many colons in address"},
           Case{"a[b:80", "address a[b:80: unexpected '[' in address"},
           Case{"a]b:80", "address a]b:80: unexpected ']' in address"},
       }) {
    auto r = SplitHostPort(c.in);
    ASSERT_FALSE(r.ok()) << c.in;
    EXPECT_EQ(r.error().ToString(), c.err);
  }
}

TEST(JoinHostPortTest, BracketsV6) {
  EXPECT_EQ(JoinHostPort("127.0.0.1", "80"), "127.0.0.1:80");
  EXPECT_EQ(JoinHostPort("::1", "80"), "[::1]:80");
  EXPECT_EQ(JoinHostPort("fe80::1%lo0", "80"), "[fe80::1%lo0]:80");
  EXPECT_EQ(JoinHostPort("", "80"), ":80");
}

TEST(IPTest, ParseAndString) {
  EXPECT_EQ(ParseIP("10.0.0.1").String(), "10.0.0.1");
  EXPECT_EQ(ParseIP("255.255.255.255").V4HostOrder(), 0xffffffffu);
  EXPECT_TRUE(ParseIP("256.0.0.1").IsNil());
  EXPECT_TRUE(ParseIP("1.2.3").IsNil());
  EXPECT_TRUE(ParseIP("01.2.3.4").IsNil());  // Go rejects leading zeros
  EXPECT_TRUE(ParseIP("1.2.3.4 ").IsNil());
  EXPECT_EQ(IP().String(), "<nil>");
  EXPECT_TRUE(ParseIP("127.0.0.1").IsLoopback());
  EXPECT_TRUE(ParseIP("0.0.0.0").IsUnspecified());
}

TEST(AddrTest, StringsAsGo) {
  EXPECT_EQ((TCPAddr{ParseIP("127.0.0.1"), 6445, ""}).String(),
            "127.0.0.1:6445");
  EXPECT_EQ((TCPAddr{IP(), 80, ""}).String(), ":80");
  EXPECT_EQ((UDPAddr{ParseIP("10.1.2.3"), 53, ""}).String(), "10.1.2.3:53");
  Addr a = TCPAddr{ParseIP("1.2.3.4"), 5, ""};
  EXPECT_EQ(a.Network(), "tcp");
  EXPECT_EQ(a.String(), "1.2.3.4:5");
  EXPECT_EQ(Addr().String(), "<nil>");
  EXPECT_EQ(Addr(UDPAddr{}).Network(), "udp");
}

TEST(LookupPortTest, NumbersNamesAndErrors) {
  EXPECT_EQ(*LookupPort("tcp", "80"), 80);
  EXPECT_EQ(*LookupPort("tcp", "http"), 80);
  EXPECT_EQ(*LookupPort("tcp4", "HTTPS"), 443);
  EXPECT_EQ(*LookupPort("udp", "domain"), 53);
  EXPECT_EQ(*LookupPort("tcp", ""), 0);
  EXPECT_EQ(LookupPort("tcp", "nosuchport").error().ToString(),
            "lookup tcp/nosuchport: unknown port");
  EXPECT_EQ(LookupPort("udp4", "http").error().ToString(),
            "lookup udp/http: unknown port");
  EXPECT_EQ(LookupPort("tcp", "70000").error().ToString(),
            "address 70000: invalid port");
  EXPECT_EQ(LookupPort("tcp", "-1").error().ToString(),
            "address -1: invalid port");
}

using ResolveTest = NetTest;

TEST_P(ResolveTest, ResolveTCPAddrAsGo) {
  auto a = ResolveTCPAddr(rt(), "tcp4", "127.0.0.1:6445");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->String(), "127.0.0.1:6445");
  a = ResolveTCPAddr(rt(), "tcp", ":6445");
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->ip.IsNil());
  EXPECT_EQ(a->port, 6445);
  a = ResolveTCPAddr(rt(), "tcp4", "localhost:http");
  ASSERT_TRUE(a.ok()) << a.error();
  EXPECT_TRUE(a->ip.IsLoopback());
  EXPECT_EQ(a->port, 80);
  auto u = ResolveUDPAddr(rt(), "udp4", "127.0.0.1:53");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->String(), "127.0.0.1:53");
}

TEST_P(ResolveTest, ResolveErrorsAsGo) {
  EXPECT_EQ(ResolveTCPAddr(rt(), "tcp7", "127.0.0.1:80").error().ToString(),
            "unknown network tcp7");
  EXPECT_EQ(ResolveUDPAddr(rt(), "tcp", "127.0.0.1:80").error().ToString(),
            "unknown network tcp");
  EXPECT_EQ(ResolveTCPAddr(rt(), "tcp4", "127.0.0.1").error().ToString(),
            "address 127.0.0.1: missing port in address");
  EXPECT_EQ(ResolveTCPAddr(rt(), "tcp4", "127.0.0.1:nope").error().ToString(),
            "lookup tcp/nope: unknown port");
  auto r = ResolveTCPAddr(rt(), "tcp4", "nosuchhost.invalid:80");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().ToString(), "lookup nosuchhost.invalid: no such host");
  EXPECT_EQ(r.error().kind(), Error::Kind::kDNS);
}

TEST_P(ResolveTest, DialErrorsBeforeConnecting) {
  EXPECT_TRUE(RunBody([&] {
    auto c = Dial(rt(), "tcp4", "127.0.0.1");
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().ToString(),
              "dial tcp4: address 127.0.0.1: missing port in address");
    c = Dial(rt(), "tcp9", "127.0.0.1:80");
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().ToString(), "dial tcp9: unknown network tcp9");
    c = Dial(rt(), "tcp4", "nosuchhost.invalid:80");
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().ToString(),
              "dial tcp4: lookup nosuchhost.invalid: no such host");
  }));
}

// Go's ParseIP takes only dotted-decimal quads, so "127.1" is not a
// literal to the net layer: it goes to the backend's resolver, which reads
// it as getaddrinfo does (127.0.0.1) on both backends, as a Go program
// built with the cgo resolver does.
TEST_P(ResolveTest, NumericFormsGoThroughTheResolverAsGetaddrinfoReadsThem) {
  EXPECT_TRUE(ParseIP("127.1").IsNil());
  EXPECT_TRUE(ParseIP("0177.0.0.1").IsNil());
  const struct {
    const char* address;
    const char* want;
  } cases[] = {
      {"127.1:9", "127.0.0.1:9"},
      {"0x7f.1:9", "127.0.0.1:9"},
      {"0177.0.0.1:9", "127.0.0.1:9"},
      {"2130706433:9", "127.0.0.1:9"},
      {"[::ffff:127.0.0.1]:9", "127.0.0.1:9"},
  };
  for (const auto& c : cases) {
    auto a = ResolveTCPAddr(rt(), "tcp", c.address);
    ASSERT_TRUE(a.ok()) << c.address << ": " << a.error();
    EXPECT_EQ(a->String(), c.want) << c.address;
  }
  // Not numbers (whitespace, a fifth part, a byte out of range): names
  // that no resolver knows.
  for (const char* host :
       {" 127.0.0.1", "127.0.0.1 ", "1.2.3.4.5", "256.1.1.1"}) {
    auto a = ResolveTCPAddr(rt(), "tcp", JoinHostPort(host, "9"));
    ASSERT_FALSE(a.ok()) << host;
    EXPECT_EQ(a.error().ToString(),
              "lookup " + std::string(host) + ": no such host");
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, ResolveTest,
                         ::testing::ValuesIn(AllBackends()), BackendName);

// The syscall-level resolver of both backends, string by string, with
// Linux's getaddrinfo (through LinuxSyscalls) as the oracle: identical
// address lists and identical error codes.
struct ResolveAnswer {
  int rc = 0;
  std::vector<uint32_t> addrs;
  friend bool operator==(const ResolveAnswer&, const ResolveAnswer&) = default;
};

std::string Show(const ResolveAnswer& a) {
  if (a.rc != 0) return "error " + std::to_string(a.rc);
  std::string s = "[";
  for (uint32_t ip : a.addrs) {
    if (s.size() > 1) s += " ";
    s += IP::FromV4HostOrder(ip).String();
  }
  return s + "]";
}

std::string Quoted(const std::string& s) {
  std::string q = "\"";
  for (char c : s) {
    if (c == '\t') {
      q += "\\t";
    } else if (c == '\n') {
      q += "\\n";
    } else {
      q += c;
    }
  }
  return q + "\"";
}

// getaddrinfo(AF_INET, AI_NUMERICHOST): decided from the string alone,
// never a lookup. 0 or an EAI_* code.
int NumericOnly(const std::string& host, uint32_t* ip) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST;
  addrinfo* res = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &res);
  if (rc == 0) {
    *ip = ntohl(reinterpret_cast<sockaddr_in*>(res->ai_addr)->sin_addr.s_addr);
    ::freeaddrinfo(res);
  }
  return rc;
}

// LinuxSyscalls::resolve_ipv4 with a time bound: a string that is not a
// number makes getaddrinfo ask /etc/hosts and then DNS, which this machine
// may not reach (only loopback here); a lookup that does not answer in
// time is left to finish on its own thread and reported as nullopt.
std::optional<ResolveAnswer> LinuxResolve(const std::string& host,
                                          std::chrono::seconds limit) {
  struct State {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    ResolveAnswer answer;
  };
  auto st = std::make_shared<State>();
  std::thread([st, host] {
    sys::LinuxSyscalls linux_sys;
    ResolveAnswer a;
    a.rc = linux_sys.resolve_ipv4(host, &a.addrs);
    std::lock_guard<std::mutex> lock(st->mu);
    st->answer = a;
    st->done = true;
    st->cv.notify_all();
  }).detach();
  std::unique_lock<std::mutex> lock(st->mu);
  if (!st->cv.wait_for(lock, limit, [&] { return st->done; })) {
    return std::nullopt;
  }
  return st->answer;
}

TEST(ResolverTable, SimulatorAnswersAsLinuxGetaddrinfo) {
  sim::World world(1);
  sim::Process& proc = world.AddHost("host", "10.0.0.1").SpawnProcess();
  auto sim_resolve = [&](const std::string& host) {
    ResolveAnswer a;
    a.rc = proc.resolve_ipv4(host, &a.addrs);
    return a;
  };
  const std::vector<std::string> table = {
      "127.1",
      "0x7f.1",
      "0177.0.0.1",
      "127.0.0.1 ",
      " 127.0.0.1",
      "1.2.3.4.5",
      "256.1.1.1",
      "4294967295",
      "4294967296",
      "0x",
      "08.1.1.1",
      "1.2.3",
      "",
      "1..2.3",
      "127.0.0.1\t",
      "127.0.0.1\n",
      "\t127.0.0.1",
      "0",
      "09",
      "0x7f000001",
      "017700000001",
      "1.0xffffff",
      "1.0x1000000",
      "1.2.0xffff",
      "1.2.0x10000",
      "1.2.3.0xff",
      "1.2.3.0x100",
      "0X7F.1",
      "00000000000000127.1",
      "1.",
      "1.2.3.",
      ".1",
      "0x0x1",
      "+1.2.3.4",
      "-1",
      "1.-2.3.4",
      "1.2.3.4x",
      "0xffffffff",
      "0x100000000",
      "18446744073709551615",
      "18446744073709551616",
      "99999999999999999999999",
      "0.0.0.0",
      "255.255.255.255",
      "1.2.3.04",
      "1.2.3.08",
      "0x1.0x2.0x3.0x4",
      "01.02.03.010",
      "1 .2.3.4",
      "127.0.0.1.",
      "::1",
      "::ffff:127.0.0.1",
      "::FFFF:1.2.3.4",
      "::ffff:0102:0304",
      "::1.2.3.4",
      "::ffff:1.2.3.4%5",
      "::ffff:1.2.3.4%lo",
      "::ffff:1.2.3.4%",
      "::ffff:1.2.3.4%4294967296",
      "1.2.3.4%eth0",
      "[127.0.0.1]",
      "localhost",
      std::string("1\0", 2),
  };
  int compared = 0;
  std::vector<std::string> not_answered;
  for (const std::string& host : table) {
    const ResolveAnswer sim = sim_resolve(host);
    uint32_t ip = 0;
    const int numeric_rc = NumericOnly(host, &ip);
    const std::optional<ResolveAnswer> linux_answer =
        LinuxResolve(host, std::chrono::seconds(10));
    if (!linux_answer || linux_answer->rc == -EAGAIN) {
      // The lookup needed a DNS server this sandbox cannot reach. Only a
      // string that is no number can get here, and the simulator, which
      // has no unreachable servers, must call it unknown.
      EXPECT_NE(numeric_rc, 0) << Quoted(host);
      EXPECT_EQ(sim.rc, -ENOENT) << Quoted(host);
      not_answered.push_back(Quoted(host));
      continue;
    }
    ++compared;
    EXPECT_EQ(sim, *linux_answer) << Quoted(host) << ": simulator " << Show(sim)
                                  << ", Linux " << Show(*linux_answer);
  }
  EXPECT_GE(compared, static_cast<int>(table.size()) - 40)
      << "Linux answered too few lookups in time";
  if (!not_answered.empty()) {
    std::string list;
    for (const std::string& s : not_answered) list += " " + s;
    std::printf("note: Linux's resolver did not answer (DNS unreachable):%s\n",
                list.c_str());
  }

  // The answers that matter most, pinned (in case glibc ever changed).
  EXPECT_EQ(Show(sim_resolve("127.1")), "[127.0.0.1]");
  EXPECT_EQ(Show(sim_resolve("0x7f.1")), "[127.0.0.1]");
  EXPECT_EQ(Show(sim_resolve("1.2.3")), "[1.2.0.3]");
  EXPECT_EQ(Show(sim_resolve("4294967295")), "[255.255.255.255]");
  EXPECT_EQ(sim_resolve(" 127.0.0.1").rc, -ENOENT);
  EXPECT_EQ(sim_resolve("127.0.0.1 ").rc, -ENOENT);
  EXPECT_EQ(sim_resolve("4294967296").rc, -ENOENT);
  EXPECT_EQ(sim_resolve("08.1.1.1").rc, -ENOENT);
  // Names still come from the world's table.
  EXPECT_EQ(Show(sim_resolve("host")), "[10.0.0.1]");
}

// Many short strings over the characters of numeric hosts, decided by
// getaddrinfo(AI_NUMERICHOST) (no lookup) and by the simulator's reading:
// the same verdict and the same address for each.
TEST(ResolverTable, NumericReadingAgreesOnRandomStrings) {
  const char kAlphabet[] = "0123456789.xXaAfF:% \t";
  uint64_t state = 0x9E3779B97F4A7C15ull;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  int numeric = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string s;
    const int len = static_cast<int>(next() % 14);
    for (int j = 0; j < len; ++j) {
      // Mostly digits and dots, so that many strings are numbers.
      const uint64_t r = next() % 100;
      s += r < 55   ? static_cast<char>('0' + next() % 10)
           : r < 80 ? '.'
                    : kAlphabet[next() % (sizeof(kAlphabet) - 1)];
    }
    uint32_t linux_ip = 0, sim_ip = 0;
    const int rc = NumericOnly(s, &linux_ip);
    const sim::NumericHost kind = sim::ParseNumericHost(s, &sim_ip);
    ASSERT_EQ(rc == 0, kind == sim::NumericHost::kV4)
        << Quoted(s) << ": getaddrinfo rc " << rc;
    if (rc == 0) {
      ++numeric;
      ASSERT_EQ(IP::FromV4HostOrder(sim_ip).String(),
                IP::FromV4HostOrder(linux_ip).String())
          << Quoted(s);
    }
  }
  EXPECT_GT(numeric, 1000);
}

}  // namespace
}  // namespace simsock::net::testing
