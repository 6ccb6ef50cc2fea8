// UdpSocket: a simulated UDP socket (Linux's udp.c, datagram.c). Datagram
// boundaries, MSG_PEEK / MSG_TRUNC, connect() as a default peer and a
// filter on arrivals, AF_UNSPEC disconnect, ICMP port-unreachable reported
// once to a connected socket, the receive-buffer limit that drops what does
// not fit, and datagram_poll's readiness.
//
// Receive-buffer accounting charges each datagram its payload plus a fixed
// skb overhead (kSkbOverhead), standing in for Linux's truesize.
#pragma once

#include <deque>
#include <vector>

#include "sim/socket/socket.h"

namespace simsock::sim {

class UdpSocket final : public Socket {
 public:
  // Chosen so that five 100-byte datagrams fill a 4608-byte receive buffer
  // and the sixth is dropped, as observed on Linux 6.18.
  static constexpr size_t kSkbOverhead = 832;
  // Largest IPv4 UDP payload: 65535 - 20 (IP) - 8 (UDP).
  static constexpr size_t kMaxPayload = 65507;

  explicit UdpSocket(Host& host);
  ~UdpSocket() override;

  Kind kind() const override { return Kind::kUdp; }
  uint32_t Poll() override;
  void OnLastClose() override;

  int Bind(const sockaddr_storage& addr, socklen_t len) override;
  int Listen(int) override { return -EOPNOTSUPP; }
  int Accept(std::shared_ptr<Socket>*) override { return -EOPNOTSUPP; }
  int Connect(const sockaddr_storage& addr, socklen_t len) override;
  ssize_t Recv(uint8_t* buf, size_t len, int flags, bool is_read,
               size_t peek_skip, Endpoint* from, bool* has_from) override;
  ssize_t RecvErrQueue(uint8_t* buf, size_t len, Endpoint* from,
                       bool* has_from) override;
  ssize_t Send(const uint8_t* buf, size_t len, int flags,
               const sockaddr_storage* to, socklen_t tolen) override;
  int Shutdown(int how) override;
  int GetPeerName(Endpoint* peer) override;

  // --- Host entry points ---------------------------------------------------
  // True if a datagram from `src` to `dst` is for this socket; the score
  // ranks candidates as compute_score does (higher is better).
  int MatchScore(const Endpoint& src, const Endpoint& dst) const;
  void Deliver(const Endpoint& src, std::vector<uint8_t> payload);
  // An ICMP port unreachable for a datagram this socket sent to `dst`;
  // `quoted` is the part of its payload the ICMP message quotes.
  void OnPortUnreachable(const Endpoint& dst,
                         const std::vector<uint8_t>& quoted);
  bool connected() const { return connected_; }

 protected:
  int GetProtoOpt(int level, int name, void* val, socklen_t* len) override;
  int SetProtoOpt(int level, int name, const void* val,
                  socklen_t len) override;
  void OnRecvErrOff() override;

 private:
  struct Datagram {
    Endpoint from;
    std::vector<uint8_t> data;
    bool peeked = false;  // skb->peeked: a 0-byte datagram once peeked
  };
  // An ICMP error on the error queue (IP_RECVERR): the errno, the
  // destination the failed datagram was sent to, the quoted payload.
  struct QueuedError {
    int err = 0;
    Endpoint offender;
    std::vector<uint8_t> payload;
  };

  // inet_autobind: a random port of either parity.
  int AutoBind();
  void ReleasePort();

  bool connected_ = false;  // sk_state == TCP_ESTABLISHED
  Endpoint peer_;
  uint16_t held_port_ = 0;
  uint8_t shutdown_ = 0;
  std::deque<Datagram> queue_;
  std::deque<QueuedError> errq_;  // sk_error_queue
  size_t rmem_ = 0;  // charged bytes in queue_ and errq_
};

}  // namespace simsock::sim
