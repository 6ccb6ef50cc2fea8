/// \file
/// Host: one simulated machine. It has a name, one IPv4 address plus its
/// loopback (all of 127.0.0.0/8 is local, as on Linux), its processes, and
/// its network stack (sim/inet/inet_stack.h: sysctl-like settings, port
/// tables, the TCP connection table, and the demultiplexing of what
/// arrives). The host is the stack's environment (StackEnv): it gives it
/// the world's clock, timers, random streams and trace, and puts what it
/// sends on the world's network. It can crash and restart.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "simsock/sim/base/time.h"
#include "simsock/sim/inet/host_settings.h"
#include "simsock/sim/inet/inet_stack.h"
#include "simsock/sim/inet/packet.h"
#include "simsock/sim/inet/port_table.h"
#include "simsock/sim/inet/stack_env.h"
#include "simsock/sim/vfs/unix_names.h"

namespace simsock::sim {

class Process;
class World;

/// One simulated machine (see the file comment). Made by World::AddHost and
/// owned by the world; not thread-safe.
class Host final : private StackEnv {
 public:
  /// A machine of `world` named `name` with address `ip` (host byte order);
  /// `id` is its index in the world. Use World::AddHost, which checks the
  /// name and address.
  Host(World& world, std::string name, uint32_t ip, int id);
  /// Closes every process's fds, then drops the connection table.
  ~Host() override;
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  /// The world the host belongs to.
  World& world() const { return world_; }
  /// The host's name, as traces show it.
  const std::string& name() const { return name_; }
  /// The host's own address, host byte order.
  uint32_t address() const { return ip_; }
  /// The host's index in World::hosts().
  int id() const { return id_; }

  /// The host's network stack; the forwarders below are its most used
  /// parts.
  InetStack& stack() { return stack_; }
  /// The host's network stack, read-only.
  const InetStack& stack() const { return stack_; }
  /// The AF_UNIX names bound on the host (sim/vfs/unix_names.h).
  UnixNameTable& unix_names() { return unix_names_; }
  /// The host's sysctls (InetStack::settings), to change.
  HostSettings& settings() { return stack_.settings(); }
  /// The host's sysctls.
  const HostSettings& settings() const { return stack_.settings(); }
  /// InetStack::IsLocalAddress.
  bool IsLocalAddress(uint32_t ip) const { return stack_.IsLocalAddress(ip); }
  /// InetStack::IsBroadcastAddress.
  static bool IsBroadcastAddress(uint32_t ip) {
    return InetStack::IsBroadcastAddress(ip);
  }
  /// InetStack::SourceAddressFor.
  uint32_t SourceAddressFor(uint32_t dst) const {
    return stack_.SourceAddressFor(dst);
  }
  /// InetStack::MssFor.
  uint16_t MssFor(uint32_t dst) const { return stack_.MssFor(dst); }
  /// The stack's TCP port table.
  PortTable& tcp_ports() { return stack_.tcp_ports(); }
  /// The stack's UDP port table.
  PortTable& udp_ports() { return stack_.udp_ports(); }
  /// Entries in the stack's connection table.
  size_t connection_count() const { return stack_.connection_count(); }

  /// A process to drive from the test's own code (implements sys::Syscalls).
  Process& SpawnProcess();
  /// Every process spawned on the host, dead ones included, in spawn order.
  const std::vector<std::unique_ptr<Process>>& processes() const {
    return processes_;
  }
  /// Calls fn with every process spawned from now on, before SpawnProcess
  /// returns it: how a fault plan's syscall events reach the processes
  /// that a restart brings (sim/faults/apply_plan.h).
  void OnSpawn(std::function<void(Process&)> fn) {
    on_spawn_.push_back(std::move(fn));
  }

  // --- Crashes -------------------------------------------------------------
  /// The machine dies at once: its simulated threads are killed, its
  /// processes lose every fd without a FIN or RST being sent, every
  /// connection and port is gone, and packets to it are dropped until
  /// Restart(). Process objects stay valid but dead: their fds are gone
  /// (EBADF) and socket / epoll_create1 fail with ESRCH. Peers learn of it by
  /// timeouts, or by a RST after the restart. Not callable from a thread of
  /// this host.
  void Crash();
  /// The machine is up again, empty: spawn new processes on it.
  void Restart();
  /// The host has crashed and not restarted.
  bool down() const { return down_; }

  // --- Packets ---------------------------------------------------------------
  /// A packet from the network for this host (dropped while it is down).
  void Receive(const Packet& packet);

  /// Writes a trace line attributed to this host.
  void TraceLine(const std::string& what);

 private:
  // StackEnv, over the world.
  Time Now() const override;
  EventId Schedule(Time at, InlineCallback fn) override;
  void Cancel(EventId id) override;
  EventId Reschedule(EventId id, Time at) override;
  void Defer(InlineCallback fn) override;
  RandomStream& Rng(std::string_view purpose) override;
  void Trace(const std::string& what) override { TraceLine(what); }
  void Transmit(Packet packet) override;

  World& world_;
  std::string name_;
  uint32_t ip_;
  int id_;
  bool down_ = false;
  // Declared before the processes: their fds close before the stack goes.
  InetStack stack_;
  UnixNameTable unix_names_;  // AF_UNIX names, also before the processes
  std::vector<std::unique_ptr<Process>> processes_;
  std::vector<std::function<void(Process&)>> on_spawn_;
  int next_pid_ = 1;
};

}  // namespace simsock::sim
