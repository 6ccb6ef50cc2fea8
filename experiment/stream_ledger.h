/// \file
/// StreamLedger: what each TCP connection carried, for the "stream"
/// invariant (experiment.h). The taps (stream_tap.h) tell it every byte a
/// program wrote to a connection and every byte a program read from one;
/// it checks that each read returns exactly the next bytes the peer wrote,
/// in order.
///
/// A connection is known by its socket objects, paired through their
/// 4-tuple: the two ends of one connection are the sockets whose local and
/// remote endpoints mirror each other. A tuple may be used again later (a
/// new connection once the old one's TIME_WAIT ends): a socket that is
/// not yet paired joins the latest connection of its tuple whose place for
/// its end is free, or starts a new one (a generation).
///
/// Memory: only bytes written and not yet read are kept. Bytes the reader
/// will never read are dropped: once the reading socket is gone (closed,
/// its host crashed), and past kUnpairedLimit bytes when no tapped reader
/// ever appeared (the peer is not tapped: nothing to compare with). A
/// crash loses unread data legitimately; only a read that returns bytes
/// other than the next ones written is a violation.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "simsock/sim/inet/sockaddr.h"

namespace simsock::sim {
class File;
}

namespace simsock::experiment {

/// The bytes in flight of every tapped TCP connection, and the violations of
/// the "stream" invariant found so far. Costs, per byte written, its copy
/// until the peer reads it (see this file's description for the bound).
class StreamLedger {
 public:
  /// Bytes a direction keeps for a reader that has not appeared.
  static constexpr size_t kUnpairedLimit = size_t{1} << 20;

  /// The socket `file` (local -> remote) is a connected TCP socket of a
  /// tapped program. Called before its first read or write; again is free.
  void Register(const std::shared_ptr<sim::File>& file, sim::Endpoint local,
                sim::Endpoint remote);
  /// True once Register was called for file.
  bool Registered(const sim::File* file) const;
  /// A program wrote `n` bytes to the socket (the count write returned).
  void Wrote(const sim::File* file, const uint8_t* data, size_t n);
  /// A program read `n` bytes from it (data null: they were discarded,
  /// MSG_TRUNC: counted, not compared).
  void Read(const sim::File* file, const uint8_t* data, size_t n);
  /// The connection's urgent data (MSG_OOB) takes bytes out of the stream
  /// in ways a byte count cannot follow: it is no longer compared.
  void StopChecking(const sim::File* file);

  /// Connections seen (each counted once, whichever end was seen first).
  uint64_t connections() const { return connections_; }
  /// Violations found and not yet taken, oldest first.
  std::vector<std::string> TakeViolations();

 private:
  struct Direction {
    std::string pending;  // written, not yet read
    size_t head = 0;      // bytes of `pending` already read
    uint64_t read = 0;    // bytes read so far (the stream offset)
    bool checked = true;  // false: broken, urgent data, or untapped peer
  };
  struct Connection {
    std::string name;  // "10.0.1.1:40000 -> 10.0.0.1:6445"
    // End i is the socket whose local endpoint is endpoint i of the
    // tuple's sorted pair; dir[i] is what end i wrote.
    std::weak_ptr<sim::File> end[2];
    bool seen[2] = {false, false};
    Direction dir[2];
  };
  struct SocketEntry {
    std::weak_ptr<sim::File> file;
    std::shared_ptr<Connection> conn;
    int end = 0;
  };
  using Tuple = std::tuple<uint32_t, uint16_t, uint32_t, uint16_t>;

  SocketEntry* Find(const sim::File* file);
  void Violate(Connection& c, int from, const std::string& what);

  std::map<const sim::File*, SocketEntry> sockets_;
  std::map<Tuple, std::shared_ptr<Connection>> latest_;
  uint64_t connections_ = 0;
  std::vector<std::string> violations_;
};

}  // namespace simsock::experiment
