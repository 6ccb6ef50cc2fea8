// Differential scenarios: data transfer on established connections —
// coalescing, MSG_PEEK / MSG_TRUNC / MSG_OOB, zero-length calls, filling
// the send buffer until EAGAIN, and the receive window reopening.
// docs/semantics.md §2.6, §2.7, §5.
#include <fcntl.h>

#include <string>

#include "simsock/testing/diff/harness.h"
#include "simsock/testing/diff/scenario_util.h"

namespace simsock::diff {
namespace {

DIFF_SCENARIO(Data_SmallWritesCoalesceIntoOneRead) {
  Conn c = Establish(s);
  s.Write(c.client, "abc");
  s.Write(c.client, "def");
  s.Settle();
  s.Read(c.server, 64);
  s.Read(c.server, 64);
  s.Write(c.server, "0123456789");
  s.Settle();
  s.Read(c.client, 4);
  s.Read(c.client, 4);
  s.Read(c.client, 4);
  s.Read(c.client, 4);
}

DIFF_SCENARIO(Data_PeekTruncOobAndZeroLengthOnTcp) {
  Conn c = Establish(s);
  s.Write(c.client, "hello world");
  s.Settle();
  s.Recv(c.server, 5, MSG_PEEK);
  s.Recv(c.server, 64, MSG_PEEK);
  s.RecvNull(c.server, 6, MSG_TRUNC);  // discards "hello "
  s.Recv(c.server, 64, MSG_OOB);
  s.Recv(c.server, 64, 0);  // "world"; TCP leaves the address unfilled
  s.Read(c.server, 0);      // read(0) = 0
  s.Recv(c.server, 0, 0);   // recv(0) with no data = EAGAIN
  s.Recv(c.server, 8, MSG_DONTWAIT);
  s.Write(c.client, "");
  s.Send(c.client, "", 0);
  s.Write(c.client, "xyz");
  s.Settle();
  s.Recv(c.server, 0, 0);  // data queued: 0
  s.Recv(c.server, 64, MSG_WAITALL | MSG_DONTWAIT);
}

DIFF_SCENARIO(Data_SendtoAddressIgnoredOnConnectedTcp) {
  Conn c = Establish(s);
  Ep elsewhere = Lo(s.Port("elsewhere"));
  s.SendTo(c.client, "via sendto", 0, &elsewhere);
  s.Settle();
  s.Recv(c.server, 64, 0);
}

DIFF_SCENARIO(Data_WriteUntilEagainWithDefaultBuffers) {
  Conn c = Establish(s);
  Script::Filled f = s.WriteUntilEagain(c.client);
  s.Check("total_before_eagain in [100000, 9000000]",
          f.total >= 100000 && f.total <= 9000000);
  Mask(s, c.client);
  Script::Drained d = s.ReadAll(c.server);
  s.Settle();
  Script::Drained d2 = s.ReadAll(c.server, 65536, 4096, d.total);
  s.Check("reader got every byte written", d.total + d2.total == f.total);
}

// Both ends pin small buffers, so the writer stalls after a few tens of KB.
DIFF_SCENARIO(Data_WriteUntilEagainWithSmallBuffersThenWindowReopens) {
  Conn conn = EstablishWithBuffers(s, 16384, 16384);
  int c = conn.client;
  int a = conn.server;
  s.GetInt(a, SOL_SOCKET, SO_RCVBUF);
  s.GetInt(c, SOL_SOCKET, SO_SNDBUF);
  size_t sent = 0, got = 0;
  bool in_order = true;
  for (int round = 0; round < 3; ++round) {
    Script::Filled f = s.WriteUntilEagain(c, 65536, 64, sent);
    sent += f.total;
    s.Check("round " + std::to_string(round) +
                " total_before_eagain in [16384, 131072]",
            f.total >= 16384 && f.total <= 131072);
    Mask(s, c);  // no OUT while the buffer is full
    s.Settle();
    Mask(s, c);
    Script::Drained d = s.ReadAll(a, 4096, 256, got);
    got += d.total;
    in_order = in_order && d.pattern_ok;
    s.Settle();
    Mask(s, c);  // OUT is back
    Script::Drained d2 = s.ReadAll(a, 4096, 256, got);
    got += d2.total;
    in_order = in_order && d2.pattern_ok;
  }
  s.Check("all bytes arrived", got == sent);
  s.Check("bytes arrived in order", in_order);
}

DIFF_SCENARIO(Data_PartialWriteWhenBufferNearlyFull) {
  Conn conn = EstablishWithBuffers(s, 4096, 4096);
  int c = conn.client;
  int a = conn.server;
  // One big write takes what fits and returns a short count.
  ssize_t w = s.sys().write(c, std::string(1 << 20, 'p').data(), 1 << 20);
  s.Check("first 1 MiB write is partial (0 < n < 1 MiB)",
          w > 0 && w < (1 << 20));
  // Drain in rounds: the window reopens as the reader makes room.
  size_t got = 0;
  for (int i = 0; i < 400 && w > 0 && got < static_cast<size_t>(w); ++i) {
    char buf[65536];
    ssize_t r = s.sys().read(a, buf, sizeof buf);
    if (r > 0) {
      got += static_cast<size_t>(r);
    } else {
      s.backend().Settle();
    }
  }
  s.Check("reader got every byte of the partial write",
          got == static_cast<size_t>(w));
}

DIFF_SCENARIO(Data_LargeTransferArrivesIntactAndInOrder) {
  Conn c = Establish(s);
  const size_t kTotal = 3 << 20;
  size_t sent = 0, got = 0;
  bool ok = true;
  std::string chunk(65536, 0);
  std::string buf(65536, 0);
  for (int i = 0; i < 2000 && got < kTotal; ++i) {
    if (sent < kTotal) {
      size_t n = std::min(chunk.size(), kTotal - sent);
      for (size_t k = 0; k < n; ++k) chunk[k] = Script::PatternByte(sent + k);
      ssize_t w = s.sys().write(c.client, chunk.data(), n);
      if (w > 0) sent += static_cast<size_t>(w);
    }
    ssize_t r = s.sys().read(c.server, buf.data(), buf.size());
    if (r > 0) {
      for (ssize_t k = 0; k < r; ++k) {
        if (buf[k] != Script::PatternByte(got + k)) ok = false;
      }
      got += static_cast<size_t>(r);
    } else if (r == -EAGAIN) {
      s.backend().Settle();
    }
  }
  s.Check("3 MiB sent", sent == kTotal);
  s.Check("3 MiB received", got == kTotal);
  s.Check("bytes in order", ok);
  s.Read(c.server, 16);
}

}  // namespace
}  // namespace simsock::diff

namespace simsock::diff {
namespace {

// With a small receive buffer the peer's window is far below the loopback
// MSS; Linux still sends what fits at once instead of waiting.
DIFF_SCENARIO(Data_SmallReceiveWindowStillDeliversAtOnce) {
  Conn conn = EstablishWithBuffers(s, 16384);
  int c = conn.client;
  int a = conn.server;
  s.WriteFill(c, 20000, 'w');
  s.Settle();
  size_t got = 0;
  for (int i = 0; i < 100 && got < 20000; ++i) {
    char buf[65536];
    ssize_t r = s.sys().read(a, buf, sizeof buf);
    if (r > 0) {
      got += static_cast<size_t>(r);
    } else {
      s.backend().Settle();
      if (i == 0) s.Check("first read got data without waiting", false);
    }
  }
  s.Check("all 20000 bytes arrived", got == 20000);
}

// MSG_PEEK leaves the queue as it was, sees data that arrives later, and
// returns 0 at EOF; MSG_WAITALL|MSG_DONTWAIT peeks what is there.
DIFF_SCENARIO(Data_PeekRepeatsAndSeesLaterDataAndEof) {
  Conn c = Establish(s);
  s.Write(c.client, "abcdef");
  s.Settle();
  s.Recv(c.server, 3, MSG_PEEK);
  s.Recv(c.server, 3, MSG_PEEK);
  s.Recv(c.server, 10, MSG_PEEK | MSG_WAITALL | MSG_DONTWAIT);
  s.Read(c.server, 2);
  s.Recv(c.server, 10, MSG_PEEK);
  s.Write(c.client, "gh");
  s.Settle();
  s.Recv(c.server, 10, MSG_PEEK);
  s.Read(c.server, 10);
  s.Shutdown(c.client, SHUT_WR);
  s.Settle();
  s.Recv(c.server, 10, MSG_PEEK);
  s.Read(c.server, 10);
}

// shutdown(SHUT_RD) sends nothing: the peer may go on writing, and on
// Linux the data is still delivered to read() before the 0.
DIFF_SCENARIO(Data_DataToAPeerThatShutRdIsStillDelivered) {
  Conn c = Establish(s);
  s.Shutdown(c.server, SHUT_RD);
  s.Write(c.client, "after shut rd");
  s.Settle();
  Mask(s, c.server);
  s.Read(c.server, 64);
  s.Read(c.server, 64);
  s.Write(c.server, "back");
  s.Settle();
  s.Read(c.client, 64);
  Mask(s, c.client);
}

// MSG_MORE, MSG_NOSIGNAL, MSG_DONTROUTE, MSG_EOR and MSG_CONFIRM are accepted
// on a TCP send and change nothing visible on loopback; MSG_ERRQUEUE with an
// empty error queue is EAGAIN (TCP and UDP).
DIFF_SCENARIO(Data_SendFlagsWithoutEffectAndEmptyErrorQueue) {
  Conn c = Establish(s);
  s.Recv(c.server, 8, MSG_ERRQUEUE);
  s.Send(c.client, "ab", MSG_MORE);
  s.Send(c.client, "cd", MSG_NOSIGNAL);
  s.Settle();
  s.Read(c.server, 8);
  s.Send(c.client, "ef", MSG_DONTROUTE);
  s.Send(c.client, "gh", MSG_EOR);
  s.Settle();
  s.Read(c.server, 8);
  int u = s.Udp();
  s.Recv(u, 8, MSG_ERRQUEUE);
  s.Send(c.client, "x", MSG_CONFIRM);
}

// SO_RCVBUF 4096 on the listener becomes 8192 on the accepted socket; the
// bytes queued there come out in the pieces asked for, then EAGAIN.
DIFF_SCENARIO(Data_SmallRcvbufInheritedAndDrainedInPieces) {
  Conn conn = EstablishWithBuffers(s, 4096);
  int c = conn.client;
  int a = conn.server;
  s.GetInt(a, SOL_SOCKET, SO_RCVBUF);
  s.WriteFill(c, 1000);
  s.Settle();
  s.Read(a, 100);
  s.Read(a, 2000);
  s.Read(a, 2000);
}

// --- Urgent data (MSG_OOB) ---------------------------------------------------
// Linux's reading of TCP urgent data: the last byte of a send(MSG_OOB) is
// the urgent byte; the receiver takes it out of the stream (unless
// SO_OOBINLINE), reports EPOLLPRI until it is read with recv(MSG_OOB), and
// a read never crosses the mark.

DIFF_SCENARIO(Oob_UrgentByteLeavesTheStreamAndReadStopsAtTheMark) {
  Conn c = Establish(s);
  s.Send(c.client, "ab", MSG_OOB);
  s.Settle();
  Mask(s, c.server, EPOLLIN | EPOLLPRI | EPOLLOUT);
  s.Read(c.server, 8);
  Mask(s, c.server, EPOLLIN | EPOLLPRI | EPOLLOUT);
  s.Recv(c.server, 8, MSG_OOB | MSG_PEEK);
  s.Recv(c.server, 8, MSG_OOB);
  Mask(s, c.server, EPOLLIN | EPOLLPRI | EPOLLOUT);
  s.Recv(c.server, 8, MSG_OOB);
  s.Read(c.server, 8);
  s.Recv(c.server, 8, MSG_OOB);
}

DIFF_SCENARIO(Oob_ReadingPastTheMarkDiscardsTheUrgentByte) {
  Conn c = Establish(s);
  s.Send(c.client, "xyz", MSG_OOB);
  s.Send(c.client, "123");
  s.Settle();
  s.Read(c.server, 10);
  Mask(s, c.server, EPOLLIN | EPOLLPRI | EPOLLOUT);
  s.Recv(c.server, 10, MSG_PEEK);
  s.Read(c.server, 10);
  Mask(s, c.server, EPOLLIN | EPOLLPRI | EPOLLOUT);
  s.Recv(c.server, 8, MSG_OOB);
}

DIFF_SCENARIO(Oob_OnlyTheUrgentByteLeftIsNotReadable) {
  Conn c = Establish(s);
  s.Send(c.client, "q", MSG_OOB);
  s.Settle();
  Mask(s, c.server, EPOLLIN | EPOLLPRI | EPOLLOUT);
  s.Recv(c.server, 0, MSG_OOB);
  s.Recv(c.server, 8, MSG_OOB | MSG_TRUNC | MSG_PEEK);
  s.Recv(c.server, 8, MSG_PEEK);
  s.Read(c.server, 8);  // steps over the byte: the mark is gone
  Mask(s, c.server, EPOLLIN | EPOLLPRI | EPOLLOUT);
  s.Recv(c.server, 8, MSG_OOB);
  s.Send(c.client, "r", MSG_OOB);
  s.Shutdown(c.client, SHUT_WR);
  s.Settle();
  s.Read(c.server, 8);
  s.Recv(c.server, 8, MSG_OOB);
  s.Read(c.server, 8);
}

DIFF_SCENARIO(Oob_InlineKeepsTheByteInTheStream) {
  Conn c = Establish(s);
  s.SetInt(c.server, SOL_SOCKET, SO_OOBINLINE, 1);
  s.Send(c.client, "ab", MSG_OOB);
  s.Send(c.client, "cd");
  s.Settle();
  Mask(s, c.server, EPOLLIN | EPOLLPRI | EPOLLOUT);
  s.Recv(c.server, 8, MSG_OOB);
  s.Read(c.server, 8);
  Mask(s, c.server, EPOLLIN | EPOLLPRI | EPOLLOUT);
  s.Read(c.server, 8);
  Mask(s, c.server, EPOLLIN | EPOLLPRI | EPOLLOUT);
}

DIFF_SCENARIO(Oob_ASecondMarkDropsTheUnreadFirstByte) {
  Conn c = Establish(s);
  s.Send(c.client, "a", MSG_OOB);
  s.Settle();
  s.Send(c.client, "b", MSG_OOB);
  s.Settle();
  Mask(s, c.server, EPOLLIN | EPOLLPRI | EPOLLOUT);
  s.Read(c.server, 8);
  s.Recv(c.server, 8, MSG_OOB);
  s.Send(c.client, "cd", MSG_OOB);
  s.Send(c.client, "ef", MSG_OOB);
  s.Settle();
  s.Read(c.server, 8);
  s.Read(c.server, 8);
  s.Recv(c.server, 8, MSG_OOB);
  s.Read(c.server, 8);
}

DIFF_SCENARIO(Oob_EpollPriWakesAndBlockingOobRecvDoesNotWait) {
  Conn c = Establish(s);
  int ep = s.EpollCreate();
  s.EpollCtl(ep, EPOLL_CTL_ADD, c.server, EPOLLPRI | EPOLLET);
  s.EpollWait(ep);
  s.Send(c.client, "hello!", MSG_OOB);
  s.Settle();
  s.EpollWait(ep);
  s.EpollWait(ep);
  s.Read(c.server, 3);
  s.EpollWait(ep);
  s.Fcntl(c.server, F_SETFL, 0);  // blocking
  s.Recv(c.server, 8, MSG_OOB);
  s.Recv(c.server, 8, MSG_OOB);
  s.Read(c.server, 8);
  s.Recv(c.client, 8, MSG_OOB);  // nothing urgent this way: EINVAL at once
}

// Delayed ACK and Nagle: a fresh connection ACKs its first 16 data
// segments at once (quickack), so 17 one-byte writes go out as they come;
// the 17th is ACKed only by the 40 ms timer, and Nagle holds the last 3
// until then, or until the reader empties its buffer (tcp_cleanup_rbuf
// ACKs pushed data at once in a non-interactive session).
DIFF_SCENARIO(Data_SmallWritesSplitWhenTheQuickAcksRunOut) {
  Conn c = Establish(s);
  for (int i = 0; i < 20; ++i) s.Write(c.client, "z");
  s.Settle();
  s.Read(c.server, 100);
  for (int i = 0; i < 20; ++i) {
    s.Write(c.client, "y");
    s.Read(c.server, 100);
  }
}

// Replies sent within 40 ms of the request make both ends "pingpong"
// (interactive): their ACKs wait for data to ride on, or for the 40 ms
// timer. Two small writes then arrive 40 ms apart: Nagle holds the second
// until the first is ACKed.
DIFF_SCENARIO(Data_RequestResponseMakesTheSessionInteractive) {
  Conn c = Establish(s);
  for (int i = 0; i < 4; ++i) {
    s.Write(c.client, "req");
    s.Settle();
    s.Read(c.server, 10);
    s.Write(c.server, "resp");
    s.Settle();
    s.Read(c.client, 10);
  }
  s.Write(c.client, "a");
  s.Write(c.client, "b");
  s.Settle();
  s.Read(c.server, 10);
  s.Settle();
  s.Settle();
  s.Read(c.server, 10);
}

// MSG_MORE corks one send: the partial segment waits for a later send
// without it, or for the persist timer (max(RTO, 200 ms), the cork's
// ceiling); a following plain send takes both out in one segment.
DIFF_SCENARIO(Data_MsgMoreHoldsAPartialSegmentUntilTheNextSend) {
  Conn c = Establish(s);
  s.Send(c.client, "ab", MSG_MORE);
  s.Advance(milliseconds(100));
  s.Read(c.server, 10);  // EAGAIN: still corked
  s.Advance(milliseconds(200));
  s.Read(c.server, 10);  // "ab": the 200 ms ceiling
  s.Send(c.client, "cd", MSG_MORE);
  s.Send(c.client, "ef", 0);
  s.Settle();
  s.Read(c.server, 10);  // "cdef"
}

// tcp_grow_window: the first segment whose payload outweighs its buffer
// overhead (about 832 bytes) raises the window and grants one more quick
// ACK, so 40 writes of 900 or 1000 bytes send 18 before Nagle waits for
// the delayed ACK, and of 800 bytes 17.
DIFF_SCENARIO(Data_LargerWritesEarnOneMoreQuickAck) {
  for (int size : {800, 900, 1000}) {
    Conn c = Establish(s);
    for (int i = 0; i < 40; ++i) s.WriteFill(c.client, size);
    s.Settle();
    s.Read(c.server, 100000);
    s.Settle();
    s.Read(c.server, 100000);
    s.Settle();
    s.Read(c.server, 100000);
    s.Close(c.client);
    s.Close(c.server);
    s.Close(c.listener);
  }
}

// An HTTP-like exchange three times (request line and headers in two
// writes, a status line and a 3000-byte body), then the client's half
// close and the server's last bytes and close: where delayed ACK and Nagle
// split the bytes between reads, they do so as on Linux.
DIFF_SCENARIO(Data_HttpLikeExchangesThenHalfClose) {
  Conn c = Establish(s);
  for (int round = 0; round < 3; ++round) {
    s.Write(c.client, "GET / HTTP/1.1\r\n");
    s.Write(c.client, "Host: x\r\n\r\n");
    s.Settle();
    s.Read(c.server, 1000);
    s.Write(c.server, "HTTP/1.1 200 OK\r\n");
    s.WriteFill(c.server, 3000, 'b');
    s.Settle();
    s.Read(c.client, 100000);
    s.Settle();
    s.Read(c.client, 100000);
  }
  s.Shutdown(c.client, SHUT_WR);
  s.Settle();
  s.Read(c.server, 10);
  s.WriteFill(c.server, 500, 'z');
  s.Close(c.server);
  s.Settle();
  s.Read(c.client, 10000);
  s.Read(c.client, 10000);
  TcpInfoState(s, c.client);
}

}  // namespace
}  // namespace simsock::diff
