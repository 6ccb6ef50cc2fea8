#include "simsock/faults/syscall_fault_rules.h"

#include <algorithm>

namespace simsock::faults {

const std::vector<std::string_view>& CallsFor(SyscallFaultKind kind) {
  // Calls that can sleep, and so see a signal (-EINTR or the progress made).
  static const std::vector<std::string_view> kBlocking = {
      "accept4", "connect", "read", "write", "recvfrom", "recvmsg", "sendto",
      "epoll_wait", "epoll_pwait2", "nanosleep_ns",
      // poll, ppoll, select, pselect6
      "poll", "ppoll", "select", "pselect6",
      // vectored calls
      "readv", "writev", "sendmsg"};
  static const std::vector<std::string_view> kStreamIo = {
      "read", "write", "recvfrom", "recvmsg", "sendto",
      // vectored calls
      "readv", "writev", "sendmsg"};
  static const std::vector<std::string_view> kNonblockingIo = {
      "accept4", "read", "write", "recvfrom", "recvmsg", "sendto",
      // vectored calls
      "readv", "writev", "sendmsg"};
  static const std::vector<std::string_view> kSend = {"write", "sendto",
                                                      // vectored calls
                                                      "writev", "sendmsg"};
  static const std::vector<std::string_view> kNewFd = {"socket", "accept4",
                                                       "epoll_create1"};
  static const std::vector<std::string_view> kAccept = {"accept4"};
  static const std::vector<std::string_view> kReceive = {"read", "recvfrom",
                                                         "recvmsg",
                                                         // vectored calls
                                                         "readv"};
  static const std::vector<std::string_view> kEpollWait = {"epoll_wait",
                                                           "epoll_pwait2"};
  switch (kind) {
    case SyscallFaultKind::kEintr:
      return kBlocking;
    case SyscallFaultKind::kShortIo:
      return kStreamIo;
    case SyscallFaultKind::kEagain:
      return kNonblockingIo;
    case SyscallFaultKind::kEnobufs:
    case SyscallFaultKind::kEnomem:
      return kSend;
    case SyscallFaultKind::kEmfile:
    case SyscallFaultKind::kEnfile:
      return kNewFd;
    case SyscallFaultKind::kEconnaborted:
      return kAccept;
    case SyscallFaultKind::kEconnreset:
      return kReceive;
    case SyscallFaultKind::kSpuriousWake:
      return kEpollWait;
  }
  return kBlocking;
}

bool CanHit(SyscallFaultKind kind, std::string_view call) {
  const auto& calls = CallsFor(kind);
  return std::find(calls.begin(), calls.end(), call) != calls.end();
}

}  // namespace simsock::faults
