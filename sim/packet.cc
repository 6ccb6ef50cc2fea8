#include "sim/packet.h"

#include <cstdio>

namespace simsock::sim {

std::string IpToString(uint32_t ip) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255,
                (ip >> 8) & 255, ip & 255);
  return buf;
}

bool ParseIp(const std::string& text, uint32_t* ip) {
  unsigned a, b, c, d;
  char extra;
  if (std::sscanf(text.c_str(), "%u.%u.%u.%u%c", &a, &b, &c, &d, &extra) != 4)
    return false;
  if (a > 255 || b > 255 || c > 255 || d > 255) return false;
  *ip = (a << 24) | (b << 16) | (c << 8) | d;
  return true;
}

std::string Describe(const Packet& p) {
  std::string s = "IP ";
  char buf[256];
  switch (p.proto) {
    case IpProto::kTcp: {
      const tcp::Segment& t = p.tcp;
      s += IpToString(p.src) + "." + std::to_string(t.src_port) + " > " +
           IpToString(p.dst) + "." + std::to_string(t.dst_port) + ": Flags [" +
           tcp::FlagsToString(t.flags) + "]";
      std::snprintf(buf, sizeof buf, ", seq %u", t.seq.value());
      s += buf;
      if (t.Has(tcp::kAck)) {
        std::snprintf(buf, sizeof buf, ", ack %u", t.ack.value());
        s += buf;
      }
      std::snprintf(buf, sizeof buf, ", win %u", t.window);
      s += buf;
      if (t.Has(tcp::kUrg)) s += ", urg " + std::to_string(t.urg_ptr);
      if (t.mss || t.wscale) {
        s += ", options [";
        bool first = true;
        if (t.mss) {
          s += "mss " + std::to_string(*t.mss);
          first = false;
        }
        if (t.wscale) {
          if (!first) s += ",";
          s += "wscale " + std::to_string(*t.wscale);
        }
        s += "]";
      }
      s += ", length " + std::to_string(t.payload.size());
      break;
    }
    case IpProto::kUdp:
      s += IpToString(p.src) + "." + std::to_string(p.udp.src_port) + " > " +
           IpToString(p.dst) + "." + std::to_string(p.udp.dst_port) +
           ": UDP, length " + std::to_string(p.udp.payload.size());
      break;
    case IpProto::kIcmp:
      s += IpToString(p.src) + " > " + IpToString(p.dst) + ": ICMP " +
           IpToString(p.icmp.orig_dst) + " udp port " +
           std::to_string(p.icmp.orig_dst_port) + " unreachable";
      break;
  }
  return s;
}

}  // namespace simsock::sim
