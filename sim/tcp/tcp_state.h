/// \file
/// The RFC 9293 connection states, and their Linux TCP_INFO numbers.
#pragma once

#include <cstdint>
#include <string_view>

namespace simsock::sim::tcp {

/// A TCP connection's state (RFC 9293 §3.3.2).
enum class TcpState : uint8_t {
  kClosed,       ///< no connection (before open, after the end)
  kListen,       ///< waiting for a SYN (a listening socket)
  kSynSent,      ///< SYN sent by an active open, waiting for the SYN-ACK
  kSynReceived,  ///< SYN received and SYN-ACK sent, waiting for its ACK
  kEstablished,  ///< the handshake is done; data flows both ways
  kFinWait1,     ///< we closed: our FIN is sent, not yet acknowledged
  kFinWait2,     ///< our FIN is acknowledged; waiting for the peer's FIN
  kCloseWait,    ///< the peer's FIN arrived; waiting for our close
  kClosing,      ///< the FINs crossed; waiting for the ACK of ours
  kLastAck,      ///< closed after the peer's FIN; waiting for our FIN's ACK
  kTimeWait,     ///< both directions closed; waiting 2*MSL for strays
};

/// The state's name as Linux's ss and the traces print it: "SYN_SENT",
/// "TIME_WAIT", ...
std::string_view ToString(TcpState s);

/// Linux's tcpi_state numbering (include/net/tcp_states.h): ESTABLISHED = 1
/// ... CLOSING = 11, as TCP_INFO reports it.
uint8_t LinuxStateNumber(TcpState s);

/// True for the states after the handshake (RFC 9293 "synchronized"):
/// ESTABLISHED and every later state.
bool IsSynchronized(TcpState s);

}  // namespace simsock::sim::tcp
