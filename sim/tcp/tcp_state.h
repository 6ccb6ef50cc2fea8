// The RFC 9293 connection states, and their Linux TCP_INFO numbers.
#pragma once

#include <cstdint>
#include <string_view>

namespace simsock::sim::tcp {

enum class TcpState : uint8_t {
  kClosed,
  kListen,
  kSynSent,
  kSynReceived,
  kEstablished,
  kFinWait1,
  kFinWait2,
  kCloseWait,
  kClosing,
  kLastAck,
  kTimeWait,
};

// "SYN_SENT", "TIME_WAIT", ...
std::string_view ToString(TcpState s);

// Linux's tcpi_state numbering (include/net/tcp_states.h): ESTABLISHED = 1 ...
// CLOSING = 11.
uint8_t LinuxStateNumber(TcpState s);

// True for the states after the handshake (RFC 9293 "synchronized").
bool IsSynchronized(TcpState s);

}  // namespace simsock::sim::tcp
