// Resolution: see resolve.h.
#include "simsock/net/resolve.h"

#include <cerrno>
#include <cstdint>
#include <string>

#include "simsock/net/runtime/runtime.h"

namespace simsock::net {
namespace {

bool IsTCP(std::string_view n) { return n == "tcp" || n == "tcp4"; }
bool IsUDP(std::string_view n) { return n == "udp" || n == "udp4"; }

// Go's parsePort: a decimal number (with sign) or needs a lookup.
bool ParsePort(std::string_view service, int* port) {
  if (service.empty()) {
    *port = 0;
    return true;
  }
  constexpr uint32_t kMax = 0xffffffffu;
  constexpr uint32_t kCutoff = 1u << 30;
  bool neg = false;
  if (service[0] == '+') {
    service.remove_prefix(1);
  } else if (service[0] == '-') {
    neg = true;
    service.remove_prefix(1);
  }
  uint32_t n = 0;
  for (char c : service) {
    if (c < '0' || c > '9') return false;
    uint32_t d = static_cast<uint32_t>(c - '0');
    if (n >= kCutoff) {
      n = kMax;
      break;
    }
    n *= 10;
    uint32_t nn = n + d;
    if (nn < n) {
      n = kMax;
      break;
    }
    n = nn;
  }
  int p;
  if (!neg && n >= kCutoff) {
    p = static_cast<int>(kCutoff - 1);
  } else if (neg && n > kCutoff) {
    p = static_cast<int>(kCutoff);
  } else {
    p = static_cast<int>(n);
  }
  *port = neg ? -p : p;
  return true;
}

// Go's lookup.go fallback services table.
int ServicePort(std::string_view net, std::string_view service) {
  std::string s(service);
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  struct Entry {
    const char* net;
    const char* name;
    int port;
  };
  static constexpr Entry kServices[] = {
      {"udp", "domain", 53},       {"tcp", "ftp", 21},    {"tcp", "ftps", 990},
      {"tcp", "gopher", 70},       {"tcp", "http", 80},   {"tcp", "https", 443},
      {"tcp", "imap2", 143},       {"tcp", "imap3", 220}, {"tcp", "imaps", 993},
      {"tcp", "pop3", 110},        {"tcp", "pop3s", 995}, {"tcp", "smtp", 25},
      {"tcp", "submissions", 465}, {"tcp", "ssh", 22},    {"tcp", "telnet", 23},
  };
  for (const Entry& e : kServices) {
    if (net == e.net && s == e.name) return e.port;
  }
  return -1;
}

}  // namespace

Result<int> LookupPort(std::string_view network, std::string_view service) {
  int port = 0;
  if (!ParsePort(service, &port)) {
    std::string base;
    if (network.empty() || IsTCP(network) || network == "tcp6") {
      base = "tcp";
    } else if (IsUDP(network) || network == "udp6") {
      base = "udp";
    } else {
      return Error::AddrErr("unknown network", std::string(network));
    }
    port = ServicePort(base, service);
    if (port < 0) {
      return Error::DNS("unknown port", base + "/" + std::string(service),
                        /*not_found=*/true);
    }
  }
  if (port < 0 || port > 65535) {
    return Error::AddrErr("invalid port", std::string(service));
  }
  return port;
}

Result<std::vector<IP>> LookupIP(Runtime& rt, std::string_view host) {
  if (IP ip = ParseIP(host); !ip.IsNil()) return std::vector<IP>{ip};
  if (host.empty()) {
    return Error::DNS("no such host", "", /*not_found=*/true);
  }
  std::vector<uint32_t> addrs;
  const int r = rt.sys().resolve_ipv4(host, &addrs);
  if (r == -ENOENT || (r >= 0 && addrs.empty())) {
    return Error::DNS("no such host", std::string(host), /*not_found=*/true);
  }
  if (r == -EAGAIN) {
    return Error::DNS("temporary failure in name resolution", std::string(host),
                      false, /*temporary=*/true);
  }
  if (r < 0) return Error::DNS(ErrnoText(-r), std::string(host), false);
  std::vector<IP> ips;
  for (uint32_t a : addrs) ips.push_back(IP::FromV4HostOrder(a));
  return ips;
}

namespace internal {

Result<AddrList> InternetAddrList(Runtime& rt, std::string_view network,
                                  std::string_view address) {
  AddrList list;
  std::string host;
  if (!address.empty()) {
    auto hp = SplitHostPort(address);
    if (!hp.ok()) return hp.error();
    auto port = LookupPort(network, hp->port);
    if (!port.ok()) return port.error();
    host = hp->host;
    list.port = *port;
  }
  if (host.empty()) {
    list.ips.push_back(IP());
    return list;
  }
  auto ips = LookupIP(rt, host);
  if (!ips.ok()) return ips.error();
  list.ips = std::move(*ips);
  return list;
}

}  // namespace internal

Result<TCPAddr> ResolveTCPAddr(Runtime& rt, std::string_view network,
                               std::string_view address) {
  if (network.empty()) network = "tcp";
  if (!IsTCP(network)) return Error::UnknownNetwork(std::string(network));
  auto list = internal::InternetAddrList(rt, network, address);
  if (!list.ok()) return list.error();
  return TCPAddr{list->ips.front(), list->port, ""};
}

Result<UDPAddr> ResolveUDPAddr(Runtime& rt, std::string_view network,
                               std::string_view address) {
  if (network.empty()) network = "udp";
  if (!IsUDP(network)) return Error::UnknownNetwork(std::string(network));
  auto list = internal::InternetAddrList(rt, network, address);
  if (!list.ok()) return list.error();
  return UDPAddr{list->ips.front(), list->port, ""};
}

}  // namespace simsock::net
