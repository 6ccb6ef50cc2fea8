/// \file
/// StackEnv: what a host's network stack (InetStack and its sockets) needs
/// from the machine it runs on, and nothing more: the clock, timers, the
/// world's named random streams, trace lines, and a way to put a packet on
/// the wire. Host (sim/kernel/host.h) implements it over its World, so the
/// sockets never see the World, the scheduler or the processes.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "simsock/sim/base/event_queue.h"
#include "simsock/sim/base/time.h"
#include "simsock/sim/inet/packet.h"

namespace simsock::sim {

class RandomStream;

/// A network stack's only view of its machine: time, the agenda, random
/// streams, the trace and the wire. Implemented by Host.
class StackEnv {
 public:
  virtual ~StackEnv() = default;

  /// Virtual time now.
  virtual Time Now() const = 0;
  /// Runs fn at virtual time `at` (>= Now()), in (time, scheduling order).
  virtual EventId Schedule(Time at, InlineCallback fn) = 0;
  /// Cancels an event Schedule returned; one that ran or was cancelled is
  /// ignored.
  virtual void Cancel(EventId id) = 0;
  /// Moves a pending event to `at` (>= Now()) as Cancel and a fresh
  /// Schedule of the same callback would (EventQueue::Reschedule: a new
  /// scheduling number); returns its new id, or an invalid id, changing
  /// nothing, if id already ran or was cancelled.
  virtual EventId Reschedule(EventId id, Time at) = 0;
  /// Runs fn later in the current step, after what is running now.
  virtual void Defer(InlineCallback fn) = 0;
  /// The world's random stream for one purpose ("port.ephemeral",
  /// "tcp.isn"): the same streams, drawn in the same order, whoever asks.
  virtual RandomStream& Rng(std::string_view purpose) = 0;
  /// Writes a trace line attributed to this host.
  virtual void Trace(const std::string& what) = 0;
  /// Puts a packet on the wire (dropped if the machine is down).
  virtual void Transmit(Packet packet) = 0;
};

}  // namespace simsock::sim
