// Names and Linux numbers of the RFC 9293 connection states.
//
// LinuxStateNumber follows include/net/tcp_states.h (the tcpi_state that
// TCP_INFO reports): TCP_ESTABLISHED = 1 ... TCP_CLOSING = 11.
#include "simsock/sim/tcp/tcp_state.h"

namespace simsock::sim::tcp {

std::string_view ToString(TcpState s) {
  switch (s) {
    case TcpState::kClosed:
      return "CLOSED";
    case TcpState::kListen:
      return "LISTEN";
    case TcpState::kSynSent:
      return "SYN_SENT";
    case TcpState::kSynReceived:
      return "SYN_RECEIVED";
    case TcpState::kEstablished:
      return "ESTABLISHED";
    case TcpState::kFinWait1:
      return "FIN_WAIT1";
    case TcpState::kFinWait2:
      return "FIN_WAIT2";
    case TcpState::kCloseWait:
      return "CLOSE_WAIT";
    case TcpState::kClosing:
      return "CLOSING";
    case TcpState::kLastAck:
      return "LAST_ACK";
    case TcpState::kTimeWait:
      return "TIME_WAIT";
  }
  return "UNKNOWN";
}

uint8_t LinuxStateNumber(TcpState s) {
  switch (s) {
    case TcpState::kEstablished:
      return 1;  // TCP_ESTABLISHED
    case TcpState::kSynSent:
      return 2;  // TCP_SYN_SENT
    case TcpState::kSynReceived:
      return 3;  // TCP_SYN_RECV
    case TcpState::kFinWait1:
      return 4;  // TCP_FIN_WAIT1
    case TcpState::kFinWait2:
      return 5;  // TCP_FIN_WAIT2
    case TcpState::kTimeWait:
      return 6;  // TCP_TIME_WAIT
    case TcpState::kClosed:
      return 7;  // TCP_CLOSE
    case TcpState::kCloseWait:
      return 8;  // TCP_CLOSE_WAIT
    case TcpState::kLastAck:
      return 9;  // TCP_LAST_ACK
    case TcpState::kListen:
      return 10;  // TCP_LISTEN
    case TcpState::kClosing:
      return 11;  // TCP_CLOSING
  }
  return 0;
}

bool IsSynchronized(TcpState s) {
  // RFC 9293 §3.10.7.4: the states after the handshake.
  switch (s) {
    case TcpState::kEstablished:
    case TcpState::kFinWait1:
    case TcpState::kFinWait2:
    case TcpState::kCloseWait:
    case TcpState::kClosing:
    case TcpState::kLastAck:
    case TcpState::kTimeWait:
      return true;
    case TcpState::kClosed:
    case TcpState::kListen:
    case TcpState::kSynSent:
    case TcpState::kSynReceived:
      return false;
  }
  return false;
}

}  // namespace simsock::sim::tcp
