#include "simsock/sim/kernel/trace.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <ostream>
#include <string_view>
#include <utility>

#include "simsock/net/sys/names.h"
#include "simsock/sim/base/append_decimal.h"
#include "simsock/sim/base/json_quote.h"
#include "simsock/sim/kernel/pcap_writer.h"

namespace simsock::sim {

// string_view literals: appended without a strlen each.
using namespace std::string_view_literals;

std::string Trace::FormatTime(Time t) {
  std::string s;
  AppendTime(s, t);
  return s;
}

// "%5lld.%09lld" of the seconds and nanoseconds, written by hand: every
// trace line starts with it, and snprintf was a tenth of a traced run.
void Trace::AppendTime(std::string& out, Time t) {
  int64_t ns = t.count();
  char buf[32];
  if (ns < 0) {  // not a time the world reaches; printf's form
    std::snprintf(buf, sizeof buf, "%5lld.%09lld",
                  static_cast<long long>(ns / 1'000'000'000),
                  static_cast<long long>(ns % 1'000'000'000));
    out += buf;
    return;
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
  out.append(p, static_cast<size_t>(end - p));
}

namespace {

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

// The binary events. Each starts with its kind (a letter) and its time
// (nanoseconds, 8 bytes); then, in TraceHash's encoding:
//   'L' a line (Write):  who, text
//   'S' a syscall:       host, pid (4), tid (4, -1 for none), call, the
//                        number of arguments (1), each argument's kind (1)
//                        and value (kInt: a, b (8 each); kNull: nothing;
//                        kText: the string), the result (8)
//   'P' a packet sent:   who, the packet
//   'D' a packet dropped: who, reason, the packet
// A packet is its protocol (1), source and destination addresses (4 each)
// and the fields its line shows: TCP ports (2 each), flags (1), seq (4),
// ack (4, with ACK), window (2), urgent pointer (2, with URG), mss and
// wscale (a presence byte each, then 2 and 1), payload length (4); UDP
// ports and payload length; ICMP the quoted destination and port.
// Changing an encoding changes every trace pin (docs/testing.md).

void Trace::AppendLineStart(std::string& out, Time t) {
  out += '[';
  AppendTime(out, t);
  out += "] "sv;
}

size_t Trace::AppendSyscallText(std::string& out, const TraceCaller& who,
                                const char* call, const TraceArgs& args,
                                long result) {
  who.AppendTo(out);
  out += ' ';
  const size_t what_pos = out.size();
  out += call;
  out += '(';
  args.AppendTo(out);
  out += ") = "sv;
  // sys::ResultString, without its temporary for the common case.
  if (result >= 0) {
    AppendDecimal(out, result);
  } else {
    out += sys::ResultString(result);
  }
  return what_pos;
}

size_t Trace::AppendPacketText(std::string& out, std::string_view who,
                               const PacketSummary& packet) {
  out += who;
  out += ' ';
  const size_t what_pos = out.size();
  AppendDescription(out, packet);
  return what_pos;
}

size_t Trace::AppendDropText(std::string& out, std::string_view who,
                             std::string_view reason,
                             const PacketSummary& packet) {
  out += who;
  out += ' ';
  const size_t what_pos = out.size();
  out += "drop ("sv;
  out += reason;
  out += "): "sv;
  AppendDescription(out, packet);
  return what_pos;
}

size_t Trace::AppendLineText(std::string& out, std::string_view who,
                             std::string_view what) {
  out += who;
  out += ' ';
  const size_t what_pos = out.size();
  out += what;
  return what_pos;
}

Trace::~Trace() {
  const char* path = std::getenv("SIMSOCK_TRACE_DIGEST");
  if (path == nullptr || *path == '\0') return;
  std::ofstream out(path, std::ios::app);
  out << std::hex << hash_.value() << std::dec << ' ' << count_ << '\n';
}

std::string TraceCaller::ToString() const {
  std::string s;
  AppendTo(s);
  return s;
}

void TraceCaller::AppendTo(std::string& out) const {
  out += host;
  out += " pid "sv;
  AppendDecimal(out, pid);
  if (tid >= 0) {
    out += " tid "sv;
    AppendDecimal(out, tid);
  }
}

bool Trace::WantsText() const {
  return sink_ != nullptr || keep_ || json_ != nullptr || keep_events_ ||
         TextDump() != nullptr;
}

void Trace::HashHead(char kind, Time now) {
  hash_.U8(static_cast<uint8_t>(kind));
  hash_.I64(now.count());
  ++count_;
}

void Trace::HashPacket(const sim::Packet& p) {
  hash_.U8(static_cast<uint8_t>(p.proto));
  hash_.U32(p.src);
  hash_.U32(p.dst);
  switch (p.proto) {
    case IpProto::kTcp: {
      const tcp::Segment& t = p.tcp;
      hash_.U16(t.src_port);
      hash_.U16(t.dst_port);
      hash_.U8(t.flags);
      hash_.U32(t.seq.value());
      if (t.Has(tcp::kAck)) hash_.U32(t.ack.value());
      hash_.U16(t.window);
      if (t.Has(tcp::kUrg)) hash_.U16(t.urg_ptr);
      hash_.U8(t.mss.has_value());
      if (t.mss) hash_.U16(*t.mss);
      hash_.U8(t.wscale.has_value());
      if (t.wscale) hash_.U8(*t.wscale);
      hash_.U32(static_cast<uint32_t>(t.payload.size()));
      break;
    }
    case IpProto::kUdp:
      hash_.U16(p.udp.src_port);
      hash_.U16(p.udp.dst_port);
      hash_.U32(static_cast<uint32_t>(p.udp.payload.size()));
      break;
    case IpProto::kIcmp:
      hash_.U32(p.icmp.orig_dst);
      hash_.U16(p.icmp.orig_dst_port);
      break;
  }
}

void Trace::Write(Time now, const std::string& who, const std::string& what) {
  if (!enabled_) return;
  HashHead('L', now);
  hash_.Str(who);
  hash_.Str(what);
  if (listener_ != nullptr) listener_->OnLine(now, who, what);
  if (!WantsText()) return;
  StartLine(now);
  AppendLineText(line_, who, what);
  WriteText();
  WriteJson(now, who, what);
  if (keep_events_) Keep(now, who, what, TraceEvent{});
}

void Trace::Syscall(Time now, const TraceCaller& who, const char* call,
                    const TraceArgs& args, long result) {
  if (!enabled_) return;
  HashHead('S', now);
  hash_.Str(who.host);
  hash_.U32(static_cast<uint32_t>(who.pid));
  hash_.U32(static_cast<uint32_t>(who.tid));
  hash_.Str(call);
  hash_.U8(static_cast<uint8_t>(args.size()));
  for (int i = 0; i < args.size(); ++i) {
    const TraceArg& arg = args[i];
    hash_.U8(static_cast<uint8_t>(arg.kind));
    switch (arg.kind) {
      case TraceArg::Kind::kInt:
        hash_.I64(arg.a);
        hash_.I64(arg.b);
        break;
      case TraceArg::Kind::kNull:
        break;
      case TraceArg::Kind::kText:
        hash_.Str(args.TextOf(arg));
        break;
    }
  }
  hash_.I64(result);
  if (listener_ != nullptr) listener_->OnSyscall(now, who, call, args, result);
  if (!WantsText()) return;
  // "[time] host pid P tid T call(args) = result", formatted in place.
  const size_t who_pos = StartLine(now);
  const size_t what_pos = AppendSyscallText(line_, who, call, args, result);
  WriteText();
  const std::string_view who_text = LinePart(who_pos, what_pos - 1);
  const std::string_view what = LinePart(what_pos);
  WriteJson(now, who_text, what);
  if (!keep_events_) return;
  // The call's arguments and result, from the line: "call(args) = result".
  const size_t args_pos = what_pos + std::char_traits<char>::length(call) + 1;
  const size_t result_pos = line_.rfind(") = "sv) + 4;
  TraceEvent e;
  e.kind = TraceEvent::Kind::kSyscall;
  e.call = call;
  e.args = LinePart(args_pos, result_pos - 4);
  e.result = LinePart(result_pos);
  Keep(now, who_text, what, std::move(e));
}

void Trace::Drop(Time now, const std::string& who, const std::string& reason,
                 const sim::Packet& packet) {
  if (!enabled_) return;
  HashHead('D', now);
  hash_.Str(who);
  hash_.Str(reason);
  HashPacket(packet);
  if (listener_ != nullptr) listener_->OnDrop(now, who, reason, packet);
  if (!WantsText()) return;
  StartLine(now);
  const size_t what_pos =
      AppendDropText(line_, who, reason, PacketSummary::Of(packet));
  WriteText();
  const std::string_view what = LinePart(what_pos);
  WriteJson(now, who, what);
  if (!keep_events_) return;
  TraceEvent e;
  e.kind = TraceEvent::Kind::kDrop;
  e.reason = reason;
  e.packet = packet;
  Keep(now, who, what, std::move(e));
}

void Trace::WriteJson(Time now, std::string_view who, std::string_view what) {
  if (json_ == nullptr) return;
  json_line_.clear();
  json_line_ += "{\"t_ns\":";
  AppendDecimal(json_line_, now.count());
  json_line_ += ",\"who\":";
  AppendJsonQuoted(json_line_, who);
  json_line_ += ",\"event\":";
  AppendJsonQuoted(json_line_, what);
  json_line_ += "}\n";
  json_->write(json_line_.data(),
               static_cast<std::streamsize>(json_line_.size()));
}

void Trace::Keep(Time now, std::string_view who, std::string_view what,
                 TraceEvent e) {
  e.time = now;
  e.who = who;
  e.text = what;
  events_.push_back(std::move(e));
}

size_t Trace::StartLine(Time now) {
  // Many events share an instant (a call, its segments, the peer's
  // wake-up): the time's text is formatted once per instant.
  if (time_text_.empty() || now != time_text_at_) {
    time_text_.clear();
    AppendLineStart(time_text_, now);
    time_text_at_ = now;
  }
  line_.assign(time_text_);
  return line_.size();
}

std::string_view Trace::LinePart(size_t from, size_t to) const {
  return std::string_view(line_).substr(
      from, to == std::string::npos ? to : to - from);
}

void Trace::WriteText() {
  std::ostream* const dump = TextDump();
  if (sink_ == nullptr && !keep_ && dump == nullptr) return;
  if (keep_) lines_.push_back(line_);
  line_ += '\n';
  const auto n = static_cast<std::streamsize>(line_.size());
  if (sink_ != nullptr) sink_->write(line_.data(), n);
  if (dump != nullptr) dump->write(line_.data(), n);
  line_.pop_back();
}

void Trace::Capture(Time sent, const sim::Packet& packet,
                    const std::string& fate) {
  if (pcap_ != nullptr) pcap_->Write(sent, packet, fate);
}

void Trace::Packet(Time now, const std::string& who,
                   const sim::Packet& packet) {
  if (!enabled_) return;
  HashHead('P', now);
  hash_.Str(who);
  HashPacket(packet);
  if (listener_ != nullptr) listener_->OnPacket(now, who, packet);
  if (!WantsText()) return;
  StartLine(now);
  const size_t what_pos =
      AppendPacketText(line_, who, PacketSummary::Of(packet));
  WriteText();
  if (keep_events_) {
    TraceEvent e;
    e.kind = TraceEvent::Kind::kPacket;
    e.packet = packet;
    Keep(now, who, LinePart(what_pos), std::move(e));
  }
  if (json_ == nullptr) return;
  std::ostream& j = *json_;
  j << "{\"t_ns\":" << now.count() << ",\"who\":" << JsonQuote(who)
    << ",\"packet\":{\"proto\":\"" << ProtoName(packet.proto) << "\",\"src\":\""
    << IpToString(packet.src) << "\",\"dst\":\"" << IpToString(packet.dst)
    << "\"";
  switch (packet.proto) {
    case IpProto::kTcp: {
      const tcp::Segment& t = packet.tcp;
      j << ",\"sport\":" << t.src_port << ",\"dport\":" << t.dst_port
        << ",\"flags\":" << JsonQuote(tcp::FlagsToString(t.flags))
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
