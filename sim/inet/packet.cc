#include "simsock/sim/inet/packet.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>
#include <cstdio>

#include "simsock/sim/base/append_decimal.h"

namespace simsock::sim {

std::string IpToString(uint32_t ip) {
  std::string s;
  AppendIp(s, ip);
  return s;
}

void AppendIp(std::string& out, uint32_t ip) {
  // Formatted on the stack and appended once: every packet's trace line
  // has two or three of these.
  char buf[16];  // "255.255.255.255"
  char* p = buf;
  for (int shift = 24; shift >= 0; shift -= 8) {
    p = std::to_chars(p, buf + sizeof buf, (ip >> shift) & 255).ptr;
    if (shift > 0) *p++ = '.';
  }
  out.append(buf, static_cast<size_t>(p - buf));
}

bool ParseIp(std::string_view text, uint32_t* ip) {
  uint32_t result = 0;
  size_t pos = 0;
  for (int i = 0; i < 4; ++i) {
    if (i > 0) {
      if (pos >= text.size() || text[pos] != '.') return false;
      ++pos;
    }
    const size_t start = pos;
    uint32_t part = 0;
    while (pos < text.size() && pos - start < 4 && text[pos] >= '0' &&
           text[pos] <= '9') {
      part = part * 10 + static_cast<uint32_t>(text[pos] - '0');
      ++pos;
    }
    const size_t digits = pos - start;
    if (digits == 0 || digits > 3 || part > 255 ||
        (digits > 1 && text[start] == '0')) {
      return false;
    }
    result = (result << 8) | part;
  }
  if (pos != text.size()) return false;
  *ip = result;
  return true;
}

namespace {

int DigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 99;
}

}  // namespace

// inet_aton_end (glibc resolv/inet_addr.c) with __inet_aton_exact's
// whole-string rule. Each part is read as strtoul(cp, &end, 0) reads it
// after a digit: "0x"/"0X" then a hex digit starts hex, another leading
// '0' octal (so "0x" alone is the number 0 followed by 'x', and "08" is 0
// followed by '8': both fail on the trailing character).
bool ParseInetAton(std::string_view text, uint32_t* ip) {
  static constexpr uint32_t kMaxLast[4] = {0xffffffff, 0xffffff, 0xffff, 0xff};
  uint32_t bytes[3] = {0, 0, 0};
  int nbytes = 0;
  size_t pos = 0;
  uint64_t val = 0;
  while (true) {
    if (pos >= text.size() || text[pos] < '0' || text[pos] > '9') return false;
    int base = 10;
    if (text[pos] == '0') {
      if (pos + 2 < text.size() &&
          (text[pos + 1] == 'x' || text[pos + 1] == 'X') &&
          DigitValue(text[pos + 2]) < 16) {
        base = 16;
        pos += 2;
      } else {
        base = 8;
      }
    }
    val = 0;
    while (pos < text.size() && DigitValue(text[pos]) < base) {
      val = val * static_cast<uint64_t>(base) +
            static_cast<uint64_t>(DigitValue(text[pos]));
      // Past 32 bits strtoul's result is rejected (> 0xffffffff, or
      // ULONG_MAX with ERANGE): stop before uint64_t could wrap.
      if (val > 0xffffffffu) return false;
      ++pos;
    }
    if (pos < text.size() && text[pos] == '.') {
      if (nbytes > 2 || val > 0xff) return false;
      bytes[nbytes++] = static_cast<uint32_t>(val);
      ++pos;
      continue;
    }
    break;
  }
  if (pos != text.size()) return false;
  if (val > kMaxLast[nbytes]) return false;
  uint32_t result = static_cast<uint32_t>(val);
  for (int i = 0; i < nbytes; ++i) result |= bytes[i] << (24 - 8 * i);
  *ip = result;
  return true;
}

NumericHost ParseNumericHost(std::string_view text, uint32_t* ip) {
  if (ParseInetAton(text, ip)) return NumericHost::kV4;
  // gaih_inet's next try: an IPv6 literal (inet_pton), with an optional
  // "%scope" after it. The string is copied to give inet_pton its NUL.
  const size_t pct = text.find('%');
  const std::string addr(text.substr(0, pct));
  in6_addr a6{};
  if (::inet_pton(AF_INET6, addr.c_str(), &a6) != 1) return NumericHost::kName;
  if (!IN6_IS_ADDR_V4MAPPED(&a6)) return NumericHost::kNoIPv4;
  if (pct != std::string_view::npos) {
    // __inet6_scopeid_pton for an address that is not link-local: a
    // decimal number that fits 32 bits, or getaddrinfo fails (EAI_NONAME,
    // still without a lookup).
    const std::string_view scope = text.substr(pct + 1);
    if (scope.empty() || scope[0] < '0' || scope[0] > '9') {
      return NumericHost::kNoIPv4;
    }
    uint64_t id = 0;
    for (char c : scope) {
      if (c < '0' || c > '9') return NumericHost::kNoIPv4;
      id = id * 10 + static_cast<uint64_t>(c - '0');
      if (id > 0xffffffffu) return NumericHost::kNoIPv4;
    }
  }
  *ip = (uint32_t{a6.s6_addr[12]} << 24) | (uint32_t{a6.s6_addr[13]} << 16) |
        (uint32_t{a6.s6_addr[14]} << 8) | uint32_t{a6.s6_addr[15]};
  return NumericHost::kV4;
}

size_t WireSize(const Packet& p) {
  constexpr size_t kIpHeader = 20;
  switch (p.proto) {
    case IpProto::kTcp: {
      size_t options = (p.tcp.mss ? 4 : 0) + (p.tcp.wscale ? 4 : 0);
      return kIpHeader + 20 + options + p.tcp.payload.size();
    }
    case IpProto::kUdp:
      return kIpHeader + 8 + p.udp.payload.size();
    case IpProto::kIcmp:
      return kIpHeader + 8 + kIpHeader + 8;
  }
  return kIpHeader;
}

std::string Describe(const Packet& p) {
  std::string s;
  AppendDescription(s, p);
  return s;
}

PacketSummary PacketSummary::Of(const Packet& p) {
  PacketSummary s;
  s.src = p.src;
  s.dst = p.dst;
  s.proto = p.proto;
  switch (p.proto) {
    case IpProto::kTcp:
      s.src_port = p.tcp.src_port;
      s.dst_port = p.tcp.dst_port;
      s.flags = p.tcp.flags;
      s.seq = p.tcp.seq.value();
      s.ack = p.tcp.ack.value();
      s.window = p.tcp.window;
      s.urg_ptr = p.tcp.urg_ptr;
      s.mss = p.tcp.mss;
      s.wscale = p.tcp.wscale;
      s.length = p.tcp.payload.size();
      break;
    case IpProto::kUdp:
      s.src_port = p.udp.src_port;
      s.dst_port = p.udp.dst_port;
      s.length = p.udp.payload.size();
      break;
    case IpProto::kIcmp:
      s.orig_dst = p.icmp.orig_dst;
      s.orig_dst_port = p.icmp.orig_dst_port;
      break;
  }
  return s;
}

void AppendDescription(std::string& s, const Packet& p) {
  AppendDescription(s, PacketSummary::Of(p));
}

void AppendDescription(std::string& s, const PacketSummary& p) {
  // string_view literals: appended without a strlen each.
  using namespace std::string_view_literals;
  s += "IP "sv;
  switch (p.proto) {
    case IpProto::kTcp: {
      AppendIp(s, p.src);
      s += '.';
      AppendDecimal(s, p.src_port);
      s += " > "sv;
      AppendIp(s, p.dst);
      s += '.';
      AppendDecimal(s, p.dst_port);
      s += ": Flags ["sv;
      tcp::AppendFlags(s, p.flags);
      s += "], seq "sv;
      AppendDecimal(s, p.seq);
      if ((p.flags & tcp::kAck) != 0) {
        s += ", ack "sv;
        AppendDecimal(s, p.ack);
      }
      s += ", win "sv;
      AppendDecimal(s, p.window);
      if ((p.flags & tcp::kUrg) != 0) {
        s += ", urg "sv;
        AppendDecimal(s, p.urg_ptr);
      }
      if (p.mss || p.wscale) {
        s += ", options ["sv;
        if (p.mss) {
          s += "mss "sv;
          AppendDecimal(s, *p.mss);
        }
        if (p.wscale) {
          if (p.mss) s += ',';
          s += "wscale "sv;
          AppendDecimal(s, static_cast<unsigned>(*p.wscale));
        }
        s += ']';
      }
      s += ", length "sv;
      AppendDecimal(s, p.length);
      break;
    }
    case IpProto::kUdp:
      AppendIp(s, p.src);
      s += '.';
      AppendDecimal(s, p.src_port);
      s += " > "sv;
      AppendIp(s, p.dst);
      s += '.';
      AppendDecimal(s, p.dst_port);
      s += ": UDP, length "sv;
      AppendDecimal(s, p.length);
      break;
    case IpProto::kIcmp:
      AppendIp(s, p.src);
      s += " > "sv;
      AppendIp(s, p.dst);
      s += ": ICMP "sv;
      AppendIp(s, p.orig_dst);
      s += " udp port "sv;
      AppendDecimal(s, p.orig_dst_port);
      s += " unreachable"sv;
      break;
  }
}

}  // namespace simsock::sim
