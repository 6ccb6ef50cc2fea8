/// \file
/// Assertions on what a simulated world did, over its structured trace
/// events (sim::TraceEvent; turn them on with world.trace().KeepEvents(true)
/// before the run) instead of over the readable lines:
///
/// \code
///   using namespace simsock::testing;
///   EXPECT_THAT(w.trace().events(),
///               Contains(AllOf(PacketFrom("a"), TcpFlags(sim::tcp::kFin))));
///   std::vector<sim::Time> syns =
///       EventTimes(w.trace().events(),
///                  AllOf(PacketFrom("b"), TcpFlagsExactly(sim::tcp::kSyn)));
///   EXPECT_THAT(w.trace().events(),
///               Contains(AllOf(DropOf("partition"), TcpFlags(sim::tcp::kRst),
///                              PacketSrc("10.0.0.2"))));
/// \endcode
///
/// Every matcher describes itself, so a failed Contains() says which event
/// was missing. Threading: none.
#pragma once

#include <gmock/gmock.h>

#include <string>
#include <vector>

#include "simsock/sim/inet/packet.h"
#include "simsock/sim/kernel/trace.h"

namespace simsock::testing {

/// A GoogleTest matcher over one trace event (sim::TraceEvent).
using TraceEventMatcher = ::testing::Matcher<const sim::TraceEvent&>;

/// A packet host `host` handed to the network (dropped or not).
MATCHER_P(PacketFrom, host,
          std::string(negation ? "isn't" : "is") + " a packet sent by host " +
              ::testing::PrintToString(host)) {
  return arg.kind == sim::TraceEvent::Kind::kPacket && arg.who == host;
}

/// A packet the network dropped, for `reason` ("loss", "partition",
/// "no route").
MATCHER_P(DropOf, reason,
          std::string(negation ? "isn't" : "is") + " a packet dropped for " +
              ::testing::PrintToString(reason)) {
  return arg.kind == sim::TraceEvent::Kind::kDrop && arg.reason == reason;
}

/// A TCP packet (sent or dropped) with every flag of `flags` set.
MATCHER_P(TcpFlags, flags,
          std::string(negation ? "isn't" : "is") +
              " a TCP segment with flags [" +
              sim::tcp::FlagsToString(static_cast<uint8_t>(flags)) + "]") {
  return arg.packet && arg.packet->proto == sim::IpProto::kTcp &&
         (arg.packet->tcp.flags & flags) == flags;
}

/// A TCP packet whose flags are exactly `flags` ([S], not [S.]).
MATCHER_P(TcpFlagsExactly, flags,
          std::string(negation ? "isn't" : "is") +
              " a TCP segment with exactly flags [" +
              sim::tcp::FlagsToString(static_cast<uint8_t>(flags)) + "]") {
  return arg.packet && arg.packet->proto == sim::IpProto::kTcp &&
         arg.packet->tcp.flags == flags;
}

/// A packet from the address `ip` ("10.0.0.1"), any port.
MATCHER_P(PacketSrc, ip,
          std::string(negation ? "isn't" : "is") + " a packet from " +
              std::string(ip)) {
  return arg.packet && sim::IpToString(arg.packet->src) == ip;
}
/// A packet to the address `ip` ("10.0.0.1"), any port.
MATCHER_P(PacketDst, ip,
          std::string(negation ? "isn't" : "is") + " a packet to " +
              std::string(ip)) {
  return arg.packet && sim::IpToString(arg.packet->dst) == ip;
}

/// A TCP or UDP packet to / from port `port`.
MATCHER_P(PacketSrcPort, port,
          std::string(negation ? "isn't" : "is") + " a packet from port " +
              std::to_string(port)) {
  if (!arg.packet) return false;
  const sim::Packet& p = *arg.packet;
  return (p.proto == sim::IpProto::kTcp && p.tcp.src_port == port) ||
         (p.proto == sim::IpProto::kUdp && p.udp.src_port == port);
}

/// A packet whose TCP or UDP payload is `n` bytes.
MATCHER_P(PayloadSize, n,
          std::string(negation ? "isn't" : "is") + " a packet of " +
              std::to_string(n) + " payload bytes") {
  if (!arg.packet) return false;
  const sim::Packet& p = *arg.packet;
  return (p.proto == sim::IpProto::kTcp && p.tcp.payload.size() == n) ||
         (p.proto == sim::IpProto::kUdp && p.udp.payload.size() == n);
}

/// A syscall named `call` ("write") made by a process whose trace name
/// starts with `who` ("client1 pid 1": any of its threads).
MATCHER_P2(SyscallBy, who, call,
           std::string(negation ? "isn't" : "is") + " a " + std::string(call) +
               "() by " + std::string(who)) {
  return arg.kind == sim::TraceEvent::Kind::kSyscall && arg.call == call &&
         arg.who.compare(0, std::string(who).size(), who) == 0;
}

/// A syscall whose result reads `result` ("13", "-EAGAIN").
MATCHER_P(SyscallResult, result,
          std::string(negation ? "isn't" : "is") + " a syscall returning " +
              std::string(result)) {
  return arg.kind == sim::TraceEvent::Kind::kSyscall && arg.result == result;
}

/// Any event (of any kind) whose text contains `text`, for the lines that
/// have no structure of their own (faults, deadlocks, queue drops).
MATCHER_P(TextHas, text,
          std::string(negation ? "doesn't contain" : "contains") + " " +
              ::testing::PrintToString(text)) {
  return arg.text.find(text) != std::string::npos;
}

/// The events that match, in trace order.
std::vector<const sim::TraceEvent*> FindEvents(
    const std::vector<sim::TraceEvent>& events, const TraceEventMatcher& m);
/// Their times.
std::vector<sim::Time> EventTimes(const std::vector<sim::TraceEvent>& events,
                                  const TraceEventMatcher& m);

}  // namespace simsock::testing

namespace simsock::sim {
/// gtest prints an event as its trace line.
void PrintTo(const TraceEvent& e, std::ostream* os);
}  // namespace simsock::sim
