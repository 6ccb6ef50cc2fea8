#include "simsock/faults/syscall_injector.h"

#include <sys/socket.h>

#include <algorithm>
#include <cstdint>

#include "simsock/faults/syscall_fault_rules.h"

namespace simsock::faults {

uint64_t SplitMix64::Next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

bool SplitMix64::Chance(double p) {
  if (p <= 0) return false;
  if (p >= 1) return true;
  return static_cast<double>(Next() >> 11) * 0x1.0p-53 < p;
}

uint64_t SplitMix64::Below(uint64_t n) {
  // Rejection keeps it exactly uniform.
  uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t r;
  do {
    r = Next();
  } while (r >= limit);
  return r % n;
}

namespace {

// poll, ppoll, select, pselect6: waits on a set of fds, not on one.
bool IsPollCall(std::string_view call) {
  return call == "poll" || call == "ppoll" || call == "select" ||
         call == "pselect6";
}

}  // namespace

bool Eligible(SyscallFaultKind kind, const CallSite& site) {
  if (!CanHit(kind, site.call)) return false;
  // A signal or an early wakeup needs a sleep: asked for separately when
  // the caller knows the moment the call sleeps (AskedAt).
  const bool sleep_fault = kind == SyscallFaultKind::kEintr ||
                           kind == SyscallFaultKind::kSpuriousWake;
  if (site.asked_at == AskedAt::kStart && sleep_fault) return false;
  if (site.asked_at == AskedAt::kSleep && !sleep_fault) return false;
  const bool on_fd = site.call != "epoll_wait" && site.call != "epoll_pwait2" &&
                     site.call != "nanosleep_ns" &&
                     site.call != "epoll_create1" && site.call != "socket" &&
                     !IsPollCall(site.call);
  // A pipe or an eventfd: a signal ends a read or write that sleeps, and
  // a pipe's read returns what is there, or a write larger than PIPE_BUF
  // (4096) what fit before a signal; a write of at most PIPE_BUF is
  // atomic (pipe_write), and an eventfd moves 8 bytes or none.
  if (on_fd && (site.pipe || site.eventfd)) {
    constexpr size_t kPipeBuf = 4096;
    if (kind == SyscallFaultKind::kEintr) return site.blocking;
    if (kind == SyscallFaultKind::kShortIo)
      return site.pipe && site.len > 1 &&
             (site.call == "read" || site.call == "readv" ||
              site.len > kPipeBuf);
    return false;
  }
  // Calls on an fd: Linux's socket errors come from socket code only.
  if (on_fd && !site.socket) return false;
  switch (kind) {
    case SyscallFaultKind::kEintr:
      // A signal interrupts only a call that sleeps; a connected socket's
      // connect() returns EISCONN at once (inet_stream_connect).
      return site.blocking && !(site.call == "connect" && site.connected);
    case SyscallFaultKind::kShortIo:
      // Only a stream can move part of a request; at least 1 byte moves.
      // MSG_WAITALL waits for all of it; MSG_TRUNC on a stream copies
      // nothing.
      // MSG_ERRQUEUE reads the error queue, whole messages.
      return site.stream && site.connected && site.len > 1 &&
             !(site.msg_flags & (MSG_WAITALL | MSG_TRUNC | MSG_ERRQUEUE));
    case SyscallFaultKind::kEagain:
      return !site.blocking;
    case SyscallFaultKind::kEnobufs:
    case SyscallFaultKind::kEnomem:
      // A datagram send fails when it cannot get a buffer (ip_append_data,
      // sock_alloc_send_skb); a stream send waits for memory instead
      // (sk_stream_wait_memory).
      return !site.stream;
    case SyscallFaultKind::kEmfile:
    case SyscallFaultKind::kEnfile:
      return true;  // checked before anything else is done
    case SyscallFaultKind::kEconnaborted:
      return site.stream;
    case SyscallFaultKind::kEconnreset:
      return site.stream && site.connected;
    case SyscallFaultKind::kSpuriousWake:
      return site.blocking;
  }
  return false;
}

std::string Injection::ToString() const {
  std::string s = who.empty() ? "" : who + ": ";
  s += std::string(SyscallFaultKindName(kind)) + " in " + call;
  if (!origin.empty()) s += " (" + origin + ")";
  if (!detail.empty()) s += ": " + detail;
  return s;
}

SyscallInjector::SyscallInjector(FaultRandom& random, std::string who)
    : random_(random), who_(std::move(who)) {}

uint64_t SyscallInjector::Add(const SyscallFault& fault, std::string origin) {
  rules_.push_back({next_id_, fault, std::move(origin), 0});
  return next_id_++;
}

bool SyscallInjector::Remove(uint64_t id) {
  auto it = std::find_if(rules_.begin(), rules_.end(),
                         [id](const Rule& r) { return r.id == id; });
  if (it == rules_.end()) return false;
  rules_.erase(it);
  return true;
}

bool SyscallInjector::MayHit(std::string_view call) const {
  for (const Rule& r : rules_) {
    if ((r.fault.call.empty() || r.fault.call == call) &&
        CanHit(r.fault.kind, call))
      return true;
  }
  return false;
}

std::optional<Hit> SyscallInjector::Pick(const CallSite& site) {
  std::optional<Hit> hit;
  for (Rule& r : rules_) {
    if (!r.fault.call.empty() && r.fault.call != site.call) continue;
    if (!Eligible(r.fault.kind, site)) continue;
    bool fires;
    if (r.fault.nth > 0) {
      fires = ++r.eligible_calls == r.fault.nth;
    } else {
      fires = r.fault.probability > 0 && random_.Chance(r.fault.probability);
    }
    if (fires && !hit) hit = Hit{r.fault.kind, r.id, r.origin};
  }
  return hit;
}

size_t SyscallInjector::ShortLength(size_t len) {
  if (len < 2) return len;
  return 1 + static_cast<size_t>(random_.Below(len - 1));
}

void SyscallInjector::Report(const Hit& hit, std::string_view call,
                             std::string detail) {
  if (!trace_) return;
  trace_(Injection{who_, std::string(call), hit.kind, hit.origin,
                   std::move(detail)});
}

}  // namespace simsock::faults
