// Differential scenarios: IP_TOS and SO_PRIORITY. Setting IP_TOS changes
// sk_priority through rt_tos2priority when the TOS changes
// (__ip_sock_set_tos); a TCP socket keeps its ECN bits; option lengths of
// 0, 1 and 2 bytes; SO_PRIORITY takes any value as root.
// docs/semantics.md §2.11.
#include <netinet/ip.h>

#include "simsock/testing/diff/harness.h"
#include "simsock/testing/diff/scenario_util.h"

namespace simsock::diff {
namespace {

// ip_tos2prio, indexed by the TOS bits (tos & 0x1e) >> 1, read back through
// SO_PRIORITY after each change, on a UDP and a TCP socket.
DIFF_SCENARIO(Tos_SettingTosSetsPriorityFromTheTable) {
  int u = s.Udp();
  int t = s.Tcp();
  for (int fd : {u, t}) {
    for (int tos = 0x1e; tos >= 0; tos -= 2) {
      s.SetInt(fd, IPPROTO_IP, IP_TOS, tos);
      s.GetInt(fd, SOL_SOCKET, SO_PRIORITY);
    }
    for (int tos : {0xb8, 0x28, 0xe0, 0x3f, 0x04, 0x01, 0xff}) {
      s.SetInt(fd, IPPROTO_IP, IP_TOS, tos);
      s.GetInt(fd, IPPROTO_IP, IP_TOS);
      s.GetInt(fd, SOL_SOCKET, SO_PRIORITY);
    }
  }
}

// Only a change of the TOS byte resets the priority: SO_PRIORITY survives
// setting the same TOS again, and on TCP a value that differs only in the
// ECN bits (which TCP keeps) is no change either.
DIFF_SCENARIO(Tos_SamePriorityKeptWhenTheTosDoesNotChange) {
  int u = s.Udp();
  int t = s.Tcp();
  for (int fd : {u, t}) {
    s.SetInt(fd, SOL_SOCKET, SO_PRIORITY, 5);
    s.SetInt(fd, IPPROTO_IP, IP_TOS, 0);  // the TOS is already 0
    s.GetInt(fd, SOL_SOCKET, SO_PRIORITY);
    s.SetInt(fd, IPPROTO_IP, IP_TOS, 3);  // UDP: a change; TCP: masked to 0
    s.GetInt(fd, IPPROTO_IP, IP_TOS);
    s.GetInt(fd, SOL_SOCKET, SO_PRIORITY);
    s.SetInt(fd, IPPROTO_IP, IP_TOS, 0x10);
    s.GetInt(fd, SOL_SOCKET, SO_PRIORITY);
    s.SetInt(fd, SOL_SOCKET, SO_PRIORITY, 1);
    s.GetInt(fd, IPPROTO_IP, IP_TOS);  // SO_PRIORITY leaves the TOS alone
    s.SetInt(fd, IPPROTO_IP, IP_TOS, 0x10);
    s.GetInt(fd, SOL_SOCKET, SO_PRIORITY);   // still 1
    s.SetInt(fd, IPPROTO_IP, IP_TOS, 0x12);  // UDP and TCP: a change
    s.GetInt(fd, SOL_SOCKET, SO_PRIORITY);
    s.SetInt(fd, SOL_SOCKET, SO_PRIORITY, 2);
    s.SetInt(fd, IPPROTO_IP, IP_TOS, 0x13);  // TCP: 0x12 again, no change
    s.GetInt(fd, IPPROTO_IP, IP_TOS);
    s.GetInt(fd, SOL_SOCKET, SO_PRIORITY);
  }
}

// The int is compared with the stored byte: a value outside 0..255 is
// always a change, so it resets SO_PRIORITY even when the stored TOS does
// not move.
DIFF_SCENARIO(Tos_OutOfRangeValuesAlwaysResetThePriority) {
  int u = s.Udp();
  int t = s.Tcp();
  for (int fd : {u, t}) {
    for (int v : {0x1ff, 0x1ff, -1, 0x100, 0x7fffffff}) {
      s.SetInt(fd, SOL_SOCKET, SO_PRIORITY, 5);
      s.SetInt(fd, IPPROTO_IP, IP_TOS, v);
      s.GetInt(fd, IPPROTO_IP, IP_TOS);
      s.GetInt(fd, SOL_SOCKET, SO_PRIORITY);
    }
  }
}

// do_ip_setsockopt takes an int when optlen >= 4, else one byte when
// optlen >= 1, else the value 0 (without reading optval); getsockopt with
// a length below 4 returns one byte.
DIFF_SCENARIO(Tos_ShortAndEmptyOptionLengths) {
  int u = s.Udp();
  int t = s.Tcp();
  for (int fd : {u, t}) {
    s.SetInt(fd, IPPROTO_IP, IP_TOS, 0x10, 1);
    s.GetInt(fd, IPPROTO_IP, IP_TOS);
    s.GetInt(fd, SOL_SOCKET, SO_PRIORITY);
    s.SetInt(fd, IPPROTO_IP, IP_TOS, 0x0108, 2);  // the low byte: 0x08
    s.GetInt(fd, IPPROTO_IP, IP_TOS);
    s.GetInt(fd, SOL_SOCKET, SO_PRIORITY);
    s.SetInt(fd, IPPROTO_IP, IP_TOS, 0x1c, 3);
    s.GetInt(fd, IPPROTO_IP, IP_TOS);
    s.SetInt(fd, SOL_SOCKET, SO_PRIORITY, 3);
    s.SetInt(fd, IPPROTO_IP, IP_TOS, 0x10, 0);  // the value 0
    s.GetInt(fd, IPPROTO_IP, IP_TOS);
    s.GetInt(fd, SOL_SOCKET, SO_PRIORITY);
    s.Raw("setsockopt(" + s.Fd(fd) + ", SOL_IP, IP_TOS, NULL, 0)",
          s.sys().setsockopt(fd, IPPROTO_IP, IP_TOS, nullptr, 0));
    s.Raw("setsockopt(" + s.Fd(fd) + ", SOL_IP, IP_TOS, NULL, 1)",
          s.sys().setsockopt(fd, IPPROTO_IP, IP_TOS, nullptr, 1));
    s.SetIntNull(fd, IPPROTO_IP, IP_TOS);
    s.SetInt(fd, IPPROTO_IP, IP_TOS, 0x18);
    s.GetInt(fd, IPPROTO_IP, IP_TOS, 1);
    s.GetInt(fd, IPPROTO_IP, IP_TOS, 2);
    s.GetInt(fd, IPPROTO_IP, IP_TOS, 0);
    s.GetInt(fd, IPPROTO_IP, IP_TOS, 8);
    s.GetIntNull(fd, IPPROTO_IP, IP_TOS);
  }
}

// sk_setsockopt SO_PRIORITY: values outside 0..6 need CAP_NET_ADMIN or
// CAP_NET_RAW, which root has, so any int is kept (negative ones too); the
// option needs a whole int.
DIFF_SCENARIO(Tos_PriorityTakesAnyValueAsRoot) {
  int u = s.Udp();
  int t = s.Tcp();
  for (int fd : {u, t}) {
    for (int v : {6, 7, -7, 0x12345, INT32_MIN}) {
      s.SetInt(fd, SOL_SOCKET, SO_PRIORITY, v);
      s.GetInt(fd, SOL_SOCKET, SO_PRIORITY);
    }
    s.SetInt(fd, SOL_SOCKET, SO_PRIORITY, 4, 1);  // EINVAL
    s.SetInt(fd, SOL_SOCKET, SO_PRIORITY, 4, 3);  // EINVAL
    s.GetInt(fd, SOL_SOCKET, SO_PRIORITY, 1);
    s.GetInt(fd, IPPROTO_IP, IP_TOS);  // untouched by SO_PRIORITY
  }
}

// The priority a TOS gives a connected socket, and a change of TOS on an
// established connection (both ends).
DIFF_SCENARIO(Tos_ConnectedSocketsFollowTheSameRule) {
  Conn c = Establish(s);
  s.SetInt(c.client, IPPROTO_IP, IP_TOS, 0x08);
  s.GetInt(c.client, SOL_SOCKET, SO_PRIORITY);
  s.GetInt(c.server, IPPROTO_IP, IP_TOS);
  s.GetInt(c.server, SOL_SOCKET, SO_PRIORITY);
  s.SetInt(c.server, SOL_SOCKET, SO_PRIORITY, 6);
  s.SetInt(c.server, IPPROTO_IP, IP_TOS, 0x1b);
  s.GetInt(c.server, IPPROTO_IP, IP_TOS);
  s.GetInt(c.server, SOL_SOCKET, SO_PRIORITY);
  s.Write(c.client, "x");
  s.Settle();
  s.Read(c.server, 4);
  s.GetInt(c.client, IPPROTO_IP, IP_TOS);
  s.GetInt(c.server, IPPROTO_IP, IP_TOS);
}

}  // namespace
}  // namespace simsock::diff
