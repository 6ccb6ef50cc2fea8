#include "simsock/sim/kernel/trace.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <ostream>
#include <string_view>
#include <utility>

#include "simsock/sim/kernel/pcap_writer.h"

namespace simsock::sim {

// "%5lld.%09lld" of the seconds and nanoseconds, written by hand: every
// trace line starts with it, and snprintf was a tenth of a traced run.
std::string Trace::FormatTime(Time t) {
  int64_t ns = t.count();
  char buf[32];
  if (ns < 0) {  // not a time the world reaches; printf's form
    std::snprintf(buf, sizeof buf, "%5lld.%09lld",
                  static_cast<long long>(ns / 1'000'000'000),
                  static_cast<long long>(ns % 1'000'000'000));
    return buf;
  }
  char* const end = buf + sizeof buf;
  char* p = end;
  int64_t frac = ns % 1'000'000'000;
  int64_t sec = ns / 1'000'000'000;
  for (int i = 0; i < 9; ++i, frac /= 10)
    *--p = static_cast<char>('0' + frac % 10);
  *--p = '.';
  int digits = 0;
  do {
    *--p = static_cast<char>('0' + sec % 10);
    sec /= 10;
    ++digits;
  } while (sec > 0);
  for (; digits < 5; ++digits) *--p = ' ';
  return std::string(p, end);
}

namespace {

// FNV-1a over `bytes`, continuing from `hash`.
uint64_t Fnv(uint64_t hash, std::string_view bytes) {
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

// A JSON string literal.
std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string ProtoName(IpProto p) {
  switch (p) {
    case IpProto::kTcp:
      return "tcp";
    case IpProto::kUdp:
      return "udp";
    case IpProto::kIcmp:
      return "icmp";
  }
  return "?";
}

// With SIMSOCK_TRACE_TEXT=<path> in the environment, every readable line
// of every trace the process writes is appended to that file, as a sink
// would have it (tools/trace_pins.sh --text: a change of the trace's
// machinery must leave the text byte-identical). Opened once per process.
std::ostream* TextDump() {
  // Flushed and closed when the process exits.
  static const std::unique_ptr<std::ofstream> dump = []() {
    const char* path = std::getenv("SIMSOCK_TRACE_TEXT");
    if (path == nullptr || *path == '\0')
      return std::unique_ptr<std::ofstream>();
    return std::make_unique<std::ofstream>(path, std::ios::app);
  }();
  return dump.get();
}

}  // namespace

Trace::~Trace() {
  const char* path = std::getenv("SIMSOCK_TRACE_DIGEST");
  if (path == nullptr || *path == '\0') return;
  std::ofstream out(path, std::ios::app);
  out << std::hex << hash_ << std::dec << ' ' << count_ << '\n';
}

void Trace::Write(Time now, const std::string& who, const std::string& what) {
  if (!enabled_) return;
  WriteLine(now, who, what);
  if (keep_events_) Keep(now, who, what, TraceEvent{});
}

void Trace::Syscall(Time now, const std::string& who, const std::string& call,
                    const std::string& args, const std::string& result) {
  if (!enabled_) return;
  const std::string what = call + "(" + args + ") = " + result;
  WriteLine(now, who, what);
  if (!keep_events_) return;  // build the event only when it is kept
  TraceEvent e;
  e.kind = TraceEvent::Kind::kSyscall;
  e.call = call;
  e.args = args;
  e.result = result;
  Keep(now, who, what, std::move(e));
}

void Trace::Drop(Time now, const std::string& who, const std::string& reason,
                 const sim::Packet& packet) {
  if (!enabled_) return;
  const std::string what = "drop (" + reason + "): " + Describe(packet);
  WriteLine(now, who, what);
  if (!keep_events_) return;
  TraceEvent e;
  e.kind = TraceEvent::Kind::kDrop;
  e.reason = reason;
  e.packet = packet;
  Keep(now, who, what, std::move(e));
}

void Trace::WriteLine(Time now, const std::string& who,
                      const std::string& what) {
  WriteText(now, who, what);
  if (json_ != nullptr) {
    *json_ << "{\"t_ns\":" << now.count() << ",\"who\":" << Quote(who)
           << ",\"event\":" << Quote(what) << "}\n";
  }
}

void Trace::Keep(Time now, const std::string& who, const std::string& what,
                 TraceEvent e) {
  e.time = now;
  e.who = who;
  e.text = what;
  events_.push_back(std::move(e));
}

void Trace::WriteText(Time now, const std::string& who,
                      const std::string& what) {
  // The hash runs over the line's pieces in order (the same bytes as the
  // line and its newline); the line itself is built only for a sink or
  // the kept lines.
  const std::string time = FormatTime(now);
  uint64_t h = Fnv(hash_, "[");
  h = Fnv(h, time);
  h = Fnv(h, "] ");
  h = Fnv(h, who);
  h = Fnv(h, " ");
  h = Fnv(h, what);
  hash_ = Fnv(h, "\n");
  ++count_;
  std::ostream* const dump = TextDump();
  if (sink_ == nullptr && !keep_ && dump == nullptr) return;
  std::string line = "[" + time + "] " + who + " " + what;
  if (sink_ != nullptr) *sink_ << line << '\n';
  if (dump != nullptr) *dump << line << '\n';
  if (keep_) lines_.push_back(std::move(line));
}

void Trace::Capture(Time sent, const sim::Packet& packet,
                    const std::string& fate) {
  if (pcap_ != nullptr) pcap_->Write(sent, packet, fate);
}

void Trace::Packet(Time now, const std::string& who,
                   const sim::Packet& packet) {
  if (!enabled_) return;
  std::string what = Describe(packet);
  WriteText(now, who, what);
  if (keep_events_) {
    TraceEvent e;
    e.kind = TraceEvent::Kind::kPacket;
    e.time = now;
    e.who = who;
    e.text = std::move(what);
    e.packet = packet;
    events_.push_back(std::move(e));
  }
  if (json_ == nullptr) return;
  std::ostream& j = *json_;
  j << "{\"t_ns\":" << now.count() << ",\"who\":" << Quote(who)
    << ",\"packet\":{\"proto\":\"" << ProtoName(packet.proto) << "\",\"src\":\""
    << IpToString(packet.src) << "\",\"dst\":\"" << IpToString(packet.dst)
    << "\"";
  switch (packet.proto) {
    case IpProto::kTcp: {
      const tcp::Segment& t = packet.tcp;
      j << ",\"sport\":" << t.src_port << ",\"dport\":" << t.dst_port
        << ",\"flags\":" << Quote(tcp::FlagsToString(t.flags))
        << ",\"seq\":" << t.seq.value();
      if (t.Has(tcp::kAck)) j << ",\"ack\":" << t.ack.value();
      j << ",\"win\":" << t.window;
      if (t.Has(tcp::kUrg)) j << ",\"urg\":" << t.urg_ptr;
      if (t.mss) j << ",\"mss\":" << *t.mss;
      if (t.wscale) j << ",\"wscale\":" << static_cast<int>(*t.wscale);
      j << ",\"len\":" << t.payload.size();
      break;
    }
    case IpProto::kUdp:
      j << ",\"sport\":" << packet.udp.src_port
        << ",\"dport\":" << packet.udp.dst_port
        << ",\"len\":" << packet.udp.payload.size();
      break;
    case IpProto::kIcmp:
      j << ",\"type\":3,\"code\":3,\"orig_dst\":\""
        << IpToString(packet.icmp.orig_dst)
        << "\",\"orig_dport\":" << packet.icmp.orig_dst_port;
      break;
  }
  j << "}}\n";
}

}  // namespace simsock::sim
