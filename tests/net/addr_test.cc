// Addresses, host:port syntax, resolution and error texts, against Go's.
#include <cerrno>
#include <string>

#include <gtest/gtest.h>

#include "tests/net/net_test_util.h"

namespace simsock::net::testing {
namespace {

TEST(SplitHostPortTest, GoCases) {
  struct Case {
    const char* in;
    const char* host;
    const char* port;
  };
  for (const Case& c : {Case{"localhost:80", "localhost", "80"},
                        Case{"127.0.0.1:6445", "127.0.0.1", "6445"},
                        Case{"[::1]:80", "::1", "80"},
                        Case{"[fe80::1%lo0]:80", "fe80::1%lo0", "80"},
                        Case{":80", "", "80"},
                        Case{"host:", "host", ""},
                        Case{"[]:http", "", "http"}}) {
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
           Case{"[::1]:80:90", "address [::1]:80:90: too many colons in address"},
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

INSTANTIATE_TEST_SUITE_P(Backends, ResolveTest,
                         ::testing::ValuesIn(AllBackends()), BackendName);

}  // namespace
}  // namespace simsock::net::testing
