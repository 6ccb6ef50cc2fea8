// Process: its syscall faults (process.h, docs/faults.md "In the
// simulator"). The injector decides; this is how the process describes a
// call to it from the fd's real state, at the call's start or as it is
// about to sleep, and how a fault that answers in place of the call shows
// and is traced. Where a fault shows inside a call (a short length, EINTR
// from a sleep) the call's own code applies it.
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>

#include "simsock/faults/fault_plan.h"
#include "simsock/net/sys/names.h"
#include "simsock/sim/inet/socket.h"
#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/kernel/world.h"

namespace simsock::sim {
namespace {

using faults::AskedAt;
using faults::SyscallFaultKind;

// The origin of SetFaults' rules.
constexpr char kSetFaultsOrigin[] = "SyscallFaults";

}  // namespace

bool Process::FaultStream::Chance(double p) {
  if (stream_ == nullptr) stream_ = &world_.Rng("fault.syscall");
  return stream_->Chance(p);
}

uint64_t Process::FaultStream::Below(uint64_t n) {
  if (stream_ == nullptr) stream_ = &world_.Rng("fault.syscall");
  return stream_->Below(n);
}

void Process::SetFaults(const SyscallFaults& faults) {
  for (uint64_t id : set_faults_rules_) injector_.Remove(id);
  set_faults_rules_.clear();
  faults_ = faults;
  auto add = [this](SyscallFaultKind kind, double p) {
    if (p <= 0) return;
    faults::SyscallFault f;
    f.kind = kind;
    f.probability = p;
    set_faults_rules_.push_back(injector_.Add(f, kSetFaultsOrigin));
  };
  add(SyscallFaultKind::kEintr, faults.eintr);
  add(SyscallFaultKind::kShortIo, faults.short_io);
  add(SyscallFaultKind::kEnobufs, faults.enobufs);
  add(SyscallFaultKind::kEmfile, faults.emfile);
}

const char*& Process::CallSlot() {
  SimThread* t = world_.scheduler().Current();
  return t != nullptr ? t->syscall_slot() : outside_call_;
}

std::optional<faults::Hit> Process::StartFault(const char* call,
                                               const Socket* s, int msg_flags,
                                               size_t len) {
  if (injector_.empty() || !injector_.MayHit(call)) return std::nullopt;
  faults::CallSite site{call};
  site.asked_at = AskedAt::kStart;
  site.len = len;
  site.msg_flags = msg_flags;
  if (s != nullptr) {
    site.socket = true;
    site.stream = s->type() == SOCK_STREAM;
    site.blocking = !s->nonblocking() && !(msg_flags & MSG_DONTWAIT);
    Endpoint peer;
    site.connected = const_cast<Socket*>(s)->GetPeerName(&peer) == 0;
  }
  return injector_.Pick(site);
}

std::optional<faults::Hit> Process::SleepFault(const File* file,
                                               const char* call) {
  if (injector_.empty()) return std::nullopt;
  faults::CallSite site{CallSlot() != nullptr ? CallSlot() : call};
  if (!injector_.MayHit(site.call)) return std::nullopt;
  site.asked_at = AskedAt::kSleep;
  site.blocking = true;
  site.pipe = file != nullptr && file->kind() == File::Kind::kPipe;
  site.eventfd = file != nullptr && file->kind() == File::Kind::kEventFd;
  if (file != nullptr && file->IsSocket()) {
    const auto& s = static_cast<const Socket&>(*file);
    site.socket = true;
    site.stream = s.type() == SOCK_STREAM;
    Endpoint peer;
    site.connected = const_cast<Socket&>(s).GetPeerName(&peer) == 0;
  }
  return injector_.Pick(site);
}

void Process::TraceFault(const faults::Hit& hit, std::string_view call,
                         std::string detail, const std::string& legacy) {
  if (hit.origin == kSetFaultsOrigin) {
    host_.TraceLine("pid " + std::to_string(pid_) + " fault: " + legacy);
  } else {
    injector_.Report(hit, call, std::move(detail));
  }
}

ssize_t Process::ErrorFault(const faults::Hit& hit, const char* call, Socket& s,
                            const std::string& legacy) {
  int e = 0;
  switch (hit.kind) {
    case SyscallFaultKind::kEagain: {
      // Nothing ready after all. An edge-triggered waiter would now wait
      // for an edge Linux never sends (what was ready still is): the
      // socket wakes its waiters again, a spurious wakeup epoll(7) allows.
      // The same as FaultySyscalls' next wait reporting the fd again.
      e = EAGAIN;
      const uint32_t ready = s.Poll();
      if (ready != 0) s.wait_queue().Wake(ready);
      break;
    }
    case SyscallFaultKind::kEconnreset: {
      // A read of a connected stream takes the injected RST itself
      // (TcpSocket::InjectPeerReset, from SysRecvFrom). Here only when the
      // socket could not take one: stopped as FaultySyscalls stops it on
      // Linux, both directions shut, so later reads see the end (0) and
      // writes EPIPE, and zero linger makes the close send the RST.
      e = ECONNRESET;
      linger l{1, 0};
      (void)s.SetSockOpt(SOL_SOCKET, SO_LINGER, &l, sizeof l);
      (void)s.Shutdown(SHUT_RDWR);
      break;
    }
    case SyscallFaultKind::kEnobufs:
      e = ENOBUFS;  // nothing is sent
      break;
    case SyscallFaultKind::kEnomem:
      e = ENOMEM;
      break;
    default:
      return 0;  // not an error fault: the caller applies it
  }
  TraceFault(hit, call, sys::ResultString(-e), legacy);
  return -e;
}

int Process::NewFdFault(const faults::Hit& hit, const char* call) {
  // Out of fds: checked before anything else is made or taken (the
  // process's limit, or the system's).
  const int e = hit.kind == SyscallFaultKind::kEnfile ? ENFILE : EMFILE;
  TraceFault(hit, call, sys::ResultString(-e),
             std::string(e == EMFILE ? "EMFILE" : "ENFILE") + " in " + call);
  return -e;
}

}  // namespace simsock::sim
