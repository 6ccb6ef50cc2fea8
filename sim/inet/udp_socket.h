/// \file
/// UdpSocket: a simulated UDP socket (Linux's udp.c, datagram.c). Datagram
/// boundaries, MSG_PEEK / MSG_TRUNC, connect() as a default peer and a
/// filter on arrivals, AF_UNSPEC disconnect, ICMP port-unreachable reported
/// once to a connected socket, the receive-buffer limit that drops what does
/// not fit, and datagram_poll's readiness, corking (MSG_MORE / UDP_CORK).
//
// Receive-buffer accounting charges each datagram the truesize of the skb
// a Linux loopback sender would have built (Truesize), with
// __udp_enqueue_schedule_skb's admission rule and udp_rmem_release's
// deferred release (docs/semantics.md §7).
#pragma once

#include <deque>
#include <vector>

#include "simsock/sim/inet/socket.h"

namespace simsock::sim {

/// A simulated UDP socket (see the file comment). Not thread-safe.
class UdpSocket final : public Socket {
 public:
  /// Largest IPv4 UDP payload: 65535 - 20 (IP) - 8 (UDP).
  static constexpr size_t kMaxPayload = 65507;

  /// skb->truesize of a datagram of `len` payload bytes as Linux's
  /// __ip_append_data builds it for loopback, `head` of them in the linear
  /// head (the first send of a corked datagram; the rest were appended to
  /// page frags, each byte adding one to truesize). head == len for a
  /// datagram sent in one call.
  static size_t Truesize(size_t len, size_t head);

  /// An unbound, unconnected socket (socket(AF_INET, SOCK_DGRAM, 0)).
  explicit UdpSocket(InetStack& stack);
  /// Releases the port.
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
  ssize_t Send(const IoSpan& data, int flags, const sockaddr_storage* to,
               socklen_t tolen, const SendControl* ctl) override;
  ssize_t RecvMsg(Waiter& waiter, uint8_t* buf, size_t len, int flags,
                  bool is_read, Endpoint* from, bool* has_from) override;
  ssize_t SendMsg(Waiter& waiter, const IoSpan& data, int flags,
                  const sockaddr_storage* to, socklen_t tolen,
                  const SendControl* ctl) override;
  int Shutdown(int how) override;
  int GetPeerName(Endpoint* peer) override;

  // --- The stack's entry points (sim/inet/port_holder.h) --------------------
  int MatchScore(const Endpoint& src, const Endpoint& dst) const override;
  void Deliver(const Endpoint& src, std::vector<uint8_t> payload,
               int32_t head) override;
  void OnPortUnreachable(const Endpoint& dst,
                         const std::vector<uint8_t>& quoted) override;
  /// connect() has set a default peer.
  bool connected() const { return connected_; }

 protected:
  /// SOL_UDP and SOL_UDPLITE (136) go to udp_lib_{get,set}sockopt.
  bool OwnsLevel(int level) const override {
    return level == IPPROTO_UDP || level == 136;
  }
  int GetProtoOpt(int level, int name, void* val, socklen_t* len) override;
  int SetProtoOpt(int level, int name, const void* val, socklen_t len) override;
  void OnRecvErrOff() override;

 private:
  struct Datagram {
    Endpoint from;
    std::vector<uint8_t> data;
    size_t truesize = 0;  // what was charged to rmem_
    bool peeked = false;  // skb->peeked: a 0-byte datagram once peeked
  };
  // An ICMP error on the error queue (IP_RECVERR): the errno, the
  // destination the failed datagram was sent to, the quoted payload, and
  // what it was charged to rmem_.
  struct QueuedError {
    int err = 0;
    Endpoint offender;
    std::vector<uint8_t> payload;
    size_t truesize = 0;
  };

  // inet_autobind: a random port of either parity.
  int AutoBind();
  void ReleasePort();
  // udp_rmem_release for one dequeued datagram.
  void ReleaseRmem(size_t truesize);
  // udp_push_pending_frames: sends the corked datagram, if any.
  void PushPending();
  void FlushPending();

  bool connected_ = false;  // sk_state == TCP_ESTABLISHED
  Endpoint peer_;
  uint16_t held_port_ = 0;
  uint8_t shutdown_ = 0;
  // Linux keeps two queues (udp_recvmsg): readers take from reader_queue_
  // and refill it from queue_ (sk_receive_queue) only when it is empty or
  // when memory is released.
  std::deque<Datagram> reader_queue_;
  std::deque<Datagram> queue_;
  std::deque<QueuedError> errq_;  // sk_error_queue
  size_t rmem_ = 0;               // sk_rmem_alloc (queues and errq_)
  size_t forward_deficit_ = 0;    // udp_sock.forward_deficit

  // Corking (udp_sendmsg, ip_append_data). The pending datagram's route
  // (source, destination) is fixed by the send that started it.
  bool cork_ = false;     // UDP_CORK
  bool pending_ = false;  // udp_sock.pending
  uint32_t pending_src_ = 0;
  Endpoint pending_dst_;
  std::vector<uint8_t> pending_data_;
  size_t pending_head_ = 0;  // bytes of the first append (the linear head)
};

}  // namespace simsock::sim
