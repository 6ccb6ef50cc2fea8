// Addresses: see ip.h. SplitHostPort / JoinHostPort follow Go's ipsock.go.
#include "simsock/net/ip.h"

#include <arpa/inet.h>

#include <cstring>

namespace simsock::net {

IP IP::V4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  IP ip;
  ip.len_ = 4;
  ip.bytes_[0] = a;
  ip.bytes_[1] = b;
  ip.bytes_[2] = c;
  ip.bytes_[3] = d;
  return ip;
}

IP IP::FromV4HostOrder(uint32_t addr) {
  return V4(static_cast<uint8_t>(addr >> 24), static_cast<uint8_t>(addr >> 16),
            static_cast<uint8_t>(addr >> 8), static_cast<uint8_t>(addr));
}

uint32_t IP::V4HostOrder() const {
  if (len_ != 4) return 0;
  return (uint32_t{bytes_[0]} << 24) | (uint32_t{bytes_[1]} << 16) |
         (uint32_t{bytes_[2]} << 8) | uint32_t{bytes_[3]};
}

bool IP::IsUnspecified() const { return len_ == 4 && V4HostOrder() == 0; }
bool IP::IsLoopback() const { return len_ == 4 && bytes_[0] == 127; }

std::string IP::String() const {
  if (len_ == 0) return "<nil>";
  if (len_ == 4) {
    return std::to_string(bytes_[0]) + "." + std::to_string(bytes_[1]) + "." +
           std::to_string(bytes_[2]) + "." + std::to_string(bytes_[3]);
  }
  return "?";  // TODO(#3): IPv6 text form
}

IP ParseIP(std::string_view s) {
  uint8_t parts[4];
  size_t pos = 0;
  for (int i = 0; i < 4; ++i) {
    if (i > 0) {
      if (pos >= s.size() || s[pos] != '.') return IP();
      ++pos;
    }
    size_t start = pos;
    int value = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      value = value * 10 + (s[pos] - '0');
      if (value > 255) return IP();
      ++pos;
    }
    const size_t digits = pos - start;
    // Go rejects empty fields and (since 1.17) leading zeros.
    if (digits == 0 || digits > 3 || (digits > 1 && s[start] == '0')) {
      return IP();
    }
    parts[i] = static_cast<uint8_t>(value);
  }
  if (pos != s.size()) return IP();
  return IP::V4(parts[0], parts[1], parts[2], parts[3]);
}

namespace {

std::string IPEmptyString(const IP& ip) {
  return ip.IsNil() ? std::string() : ip.String();
}

std::string EndpointString(const IP& ip, int port, const std::string& zone) {
  std::string host = IPEmptyString(ip);
  if (!zone.empty()) host += "%" + zone;
  return JoinHostPort(host, std::to_string(port));
}

}  // namespace

std::string TCPAddr::String() const { return EndpointString(ip, port, zone); }
std::string UDPAddr::String() const { return EndpointString(ip, port, zone); }

std::string Addr::String() const {
  if (IsNil()) return "<nil>";
  return EndpointString(ip_, port_, zone_);
}

Result<HostPort> SplitHostPort(std::string_view hostport) {
  const std::string hp(hostport);
  auto missing_port = [&] {
    return Error::AddrErr("missing port in address", hp);
  };
  auto too_many_colons = [&] {
    return Error::AddrErr("too many colons in address", hp);
  };
  size_t j = 0;
  size_t k = 0;
  const size_t i = hostport.rfind(':');
  if (i == std::string_view::npos) return missing_port();
  std::string host;
  if (!hostport.empty() && hostport[0] == '[') {
    const size_t end = hostport.find(']');
    if (end == std::string_view::npos) {
      return Error::AddrErr("missing ']' in address", hp);
    }
    if (end + 1 == hostport.size()) {
      return missing_port();
    } else if (end + 1 != i) {
      if (hostport[end + 1] == ':') return too_many_colons();
      return missing_port();
    }
    host = std::string(hostport.substr(1, end - 1));
    j = 1;
    k = end + 1;
  } else {
    host = std::string(hostport.substr(0, i));
    if (host.find(':') != std::string::npos) return too_many_colons();
  }
  if (hostport.substr(j).find('[') != std::string_view::npos) {
    return Error::AddrErr("unexpected '[' in address", hp);
  }
  if (hostport.substr(k).find(']') != std::string_view::npos) {
    return Error::AddrErr("unexpected ']' in address", hp);
  }
  return HostPort{host, std::string(hostport.substr(i + 1))};
}

std::string JoinHostPort(std::string_view host, std::string_view port) {
  if (host.find(':') != std::string_view::npos ||
      host.find('%') != std::string_view::npos) {
    return "[" + std::string(host) + "]:" + std::string(port);
  }
  return std::string(host) + ":" + std::string(port);
}

sockaddr_in ToSockaddr(const IP& ip, int port) {
  sockaddr_in sa;
  std::memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  sa.sin_addr.s_addr = htonl(ip.V4HostOrder());
  return sa;
}

IP IPFromSockaddr(const sockaddr_in& sa) {
  return IP::FromV4HostOrder(ntohl(sa.sin_addr.s_addr));
}

int PortFromSockaddr(const sockaddr_in& sa) { return ntohs(sa.sin_port); }

}  // namespace simsock::net
