/// \file
/// Names of Linux constants (errnos, families, socket types, option levels
/// and names, flags, epoll ops and events), for traces, logs and test
/// output, strace-style. Shared by the simulator's trace and the tests; no
/// state.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>

namespace simsock::sys {

/// "EAGAIN" for EAGAIN; "E" and the number for a number with no name.
std::string ErrnoName(int err);

/// Renders a raw syscall result: "3" for success, "-ECONNREFUSED" for -111.
std::string ResultString(long result);

/// Renders a bit set as "A|B|" and the rest in decimal, "0" when empty, naming
/// the bits in the order given.
std::string FlagNames(
    uint64_t bits,
    std::initializer_list<std::pair<uint64_t, const char*>> names);

/// "IN|OUT|RDHUP" for an epoll event mask (IN, PRI, OUT, ERR, HUP, RDHUP,
/// ET, ONESHOT named).
std::string EpollEventsName(uint32_t events);

std::string FamilyName(int family);    ///< "AF_INET"
std::string SockTypeName(int type);    ///< "SOCK_STREAM|SOCK_NONBLOCK"
std::string SockLevelName(int level);  ///< "SOL_SOCKET", "IPPROTO_TCP"
/// "SO_REUSEADDR", "TCP_NODELAY"
std::string SockOptName(int level, int name);
std::string MsgFlagsName(int flags);   ///< "MSG_PEEK|MSG_DONTWAIT"
std::string ShutdownHowName(int how);  ///< "SHUT_WR"
std::string FcntlCmdName(int cmd);     ///< "F_SETFL"
std::string EpollOpName(int op);       ///< "EPOLL_CTL_ADD"
// pipes and eventfds
std::string PipeFlagsName(int flags);     ///< "O_NONBLOCK|O_CLOEXEC"
std::string EventFdFlagsName(int flags);  ///< "EFD_NONBLOCK|EFD_SEMAPHORE"

// poll, ppoll, select, pselect6 (issue 13)
/// "IN|OUT|RDHUP" for a poll(2) events or revents mask (IN, PRI, OUT, ERR,
/// HUP, NVAL, RDNORM, RDBAND, WRNORM, WRBAND, MSG, RDHUP named).
std::string PollEventsName(int events);

}  // namespace simsock::sys
