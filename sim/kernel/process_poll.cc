// Process: poll, ppoll, select and pselect6, in the order of Linux's
// fs/select.c (do_sys_poll, do_poll, do_pollfd; kern_select, do_pselect,
// core_sys_select, max_select_fd, do_select; poll_select_set_timeout and
// poll_select_finish for the timeouts). docs/semantics.md, "poll and
// select".
//
// The wait: each pass polls every file (File::Poll). The first pass also
// builds the poll table, as Linux's __pollwait does only while _qproc is
// set: each file polled before the first ready one, with a reference
// that defers its last close to the call's end (get_file). With nothing
// ready and time left, the calling thread parks on every table entry's
// wait queue at once (Process::WaitAny), each woken only by a key it
// asked for (pollwake), then polls them all again. Timeouts are virtual
// and exact: the call returns at its start time plus the timeout, to the
// nanosecond (Linux's hrtimer slack, select_estimate_accuracy, is not
// modelled), after one last pass, as do_poll's timed_out pass.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "simsock/net/sys/names.h"
#include "simsock/sim/kernel/process.h"

namespace simsock::sim {
namespace {

// What each of select's sets reports (POLLIN_SET, POLLOUT_SET and
// POLLEX_SET of fs/select.c; EPOLLNVAL is in each since Linux 6.x, so
// that an fd closed during the wait shows in every set it was asked in).
constexpr uint32_t kPollInSet =
    EPOLLRDNORM | EPOLLRDBAND | EPOLLIN | EPOLLHUP | EPOLLERR | POLLNVAL;
constexpr uint32_t kPollOutSet =
    EPOLLWRBAND | EPOLLWRNORM | EPOLLOUT | EPOLLERR | POLLNVAL;
constexpr uint32_t kPollExSet = EPOLLPRI | POLLNVAL;

// At most this many fds are shown in a trace argument.
constexpr size_t kTraceFds = 8;

// An fd_set's first `words` 64-bit words (the kernel's unsigned longs,
// FDS_BYTES): read and written through memcpy, as the set may be larger
// than fd_set when nfds is above FD_SETSIZE.
class FdBits {
 public:
  explicit FdBits(size_t words) : words_(words, 0) {}
  void Load(const fd_set* set) {
    if (set != nullptr && !words_.empty())
      std::memcpy(words_.data(), set, words_.size() * sizeof(uint64_t));
  }
  void Store(fd_set* set) const {
    if (set != nullptr && !words_.empty())
      std::memcpy(set, words_.data(), words_.size() * sizeof(uint64_t));
  }
  bool Test(int fd) const { return (words_[fd / 64] >> (fd % 64)) & 1; }
  void Set(int fd) { words_[fd / 64] |= uint64_t{1} << (fd % 64); }
  void Clear() { std::fill(words_.begin(), words_.end(), 0); }

 private:
  std::vector<uint64_t> words_;
};

size_t WordsFor(int n) { return static_cast<size_t>(n + 63) / 64; }

// A pollfd array as a trace argument: "{3 IN, 4 IN|OUT}".
std::string PollFdsText(const pollfd* fds, nfds_t nfds) {
  std::string out = "{";
  for (nfds_t i = 0; i < nfds && i < kTraceFds; ++i) {
    if (i != 0) out += ", ";
    out += std::to_string(fds[i].fd) + " " + sys::PollEventsName(fds[i].events);
  }
  if (nfds > kTraceFds) out += ", ...";
  return out + "}";
}

// A select set as a trace argument: "{3,5}", its fds below n (the bits
// the kernel reads).
void AddSetArg(TraceArgs& args, const fd_set* set, int n) {
  if (set == nullptr) {
    args.Null();
    return;
  }
  FdBits bits(WordsFor(n));
  bits.Load(set);
  std::string out = "{";
  size_t shown = 0;
  for (int fd = 0; fd < n; ++fd) {
    if (!bits.Test(fd)) continue;
    if (shown == kTraceFds) {
      out += ",...";
      break;
    }
    out += (shown++ != 0 ? "," : "") + std::to_string(fd);
  }
  args.Text(out + "}");
}

// poll_select_set_timeout's check (timespec64_valid).
bool ValidTimeout(int64_t sec, int64_t nsec) {
  return sec >= 0 && nsec >= 0 && nsec < 1'000'000'000;
}

}  // namespace

// do_sys_poll and do_poll.
int Process::DoPoll(CallFiles& files, pollfd* fds, nfds_t nfds,
                    Duration timeout, const char* call) {
  // The kernel's nfds is an unsigned int: the upper bits are dropped.
  nfds = static_cast<unsigned int>(nfds);
  if (nfds > static_cast<nfds_t>(fds_.limit())) return -EINVAL;
  if (fds == nullptr && nfds != 0) return -EFAULT;
  // What the call has made due now (loopback packets) is ready first.
  DrainImmediate();
  const Time deadline =
      timeout < Duration::zero() ? kNever : DeadlineAfter(Now(), timeout);
  bool timed_out = timeout == Duration::zero();
  bool registering = !timed_out;  // _qproc
  std::vector<WaitEntry> table;
  for (;;) {
    int count = 0;
    for (nfds_t i = 0; i < nfds; ++i) {
      pollfd& p = fds[i];
      // do_pollfd: a negative fd is skipped (revents 0), an fd not open
      // is POLLNVAL; events is 16 bits, and POLLERR and POLLHUP are
      // always reported.
      uint32_t mask = 0;
      if (p.fd >= 0) {
        mask = POLLNVAL;
        if (std::shared_ptr<File> f = fds_.GetShared(p.fd)) {
          const uint32_t filter =
              static_cast<uint16_t>(p.events) | POLLERR | POLLHUP;
          mask = f->Poll() & filter;
          if (registering) {
            files.Hold(f);
            table.push_back({std::move(f), filter});
          }
        }
      }
      p.revents = static_cast<short>(mask);
      if (mask != 0) {
        ++count;
        registering = false;
      }
    }
    registering = false;
    if (count != 0 || timed_out) return count;
    const Result w = WaitAny(table, nullptr, deadline, call);
    // A signal: -ERESTARTNOHAND, which a caller with a handler sees as
    // EINTR; the revents written are all 0.
    if (w == Result::kInterrupted) return -EINTR;
    if (w == Result::kTimedOut) timed_out = true;
  }
}

// sys_poll: a millisecond timeout, < 0 forever.
int Process::poll(pollfd* fds, nfds_t nfds, int timeout_ms) {
  TraceArgs args;
  if (fds == nullptr || nfds > static_cast<nfds_t>(fds_.limit())) {
    args.Null();
  } else {
    args.Text(PollFdsText(fds, nfds));
  }
  args.Int(static_cast<int64_t>(nfds)).Int(timeout_ms);
  return Syscall<int>("poll", args, [&](CallFiles& files) {
    return DoPoll(files, fds, nfds,
                  timeout_ms < 0
                      ? Duration(-1)
                      : Duration(std::chrono::milliseconds(timeout_ms)),
                  "poll");
  });
}

// sys_ppoll: the timespec is checked first (EINVAL), then the fds.
int Process::ppoll(pollfd* fds, nfds_t nfds, const timespec* timeout,
                   const sigset_t* /*sigmask*/) {
  TraceArgs args;
  if (fds == nullptr || nfds > static_cast<nfds_t>(fds_.limit())) {
    args.Null();
  } else {
    args.Text(PollFdsText(fds, nfds));
  }
  args.Int(static_cast<int64_t>(nfds)).Timespec(timeout);
  return Syscall<int>("ppoll", args, [&](CallFiles& files) {
    Duration d(-1);
    if (timeout != nullptr) {
      if (!ValidTimeout(timeout->tv_sec, timeout->tv_nsec)) return -EINVAL;
      d = TimeoutDuration(timeout->tv_sec, timeout->tv_nsec);
    }
    return DoPoll(files, fds, nfds, d, "ppoll");
  });
}

// core_sys_select, max_select_fd and do_select.
int Process::DoSelect(CallFiles& files, int nfds, fd_set* readfds,
                      fd_set* writefds, fd_set* exceptfds, Time deadline,
                      bool no_wait, const char* call) {
  if (nfds < 0) return -EINVAL;
  // The sets are read up to the fd table's size, in whole words.
  const int n = std::min(nfds, fds_.max_fds());
  const size_t words = WordsFor(n);
  FdBits in(words), out(words), ex(words);
  in.Load(readfds);
  out.Load(writefds);
  ex.Load(exceptfds);
  // max_select_fd: every fd named below n must be open (EBADF); the
  // passes stop after the highest one named.
  int max = 0;
  for (int fd = 0; fd < n; ++fd) {
    if (!in.Test(fd) && !out.Test(fd) && !ex.Test(fd)) continue;
    if (fds_.Get(fd) == nullptr) return -EBADF;
    max = fd + 1;
  }
  DrainImmediate();
  bool timed_out = no_wait;
  bool registering = !timed_out;  // _qproc
  FdBits res_in(words), res_out(words), res_ex(words);
  std::vector<WaitEntry> table;
  for (;;) {
    int count = 0;
    for (int fd = 0; fd < max; ++fd) {
      const bool want_in = in.Test(fd);
      const bool want_out = out.Test(fd);
      const bool want_ex = ex.Test(fd);
      if (!want_in && !want_out && !want_ex) continue;
      // An fd closed since max_select_fd (by another thread) is NVAL,
      // which every set reports.
      uint32_t mask = POLLNVAL;
      if (std::shared_ptr<File> f = fds_.GetShared(fd)) {
        // wait_key_set: the keys that wake this entry.
        const uint32_t keys = kPollExSet | (want_in ? kPollInSet : 0) |
                              (want_out ? kPollOutSet : 0);
        mask = f->Poll();
        if (registering) {
          files.Hold(f);
          table.push_back({std::move(f), keys});
        }
      }
      if ((mask & kPollInSet) && want_in) {
        res_in.Set(fd);
        ++count;
      }
      if ((mask & kPollOutSet) && want_out) {
        res_out.Set(fd);
        ++count;
      }
      if ((mask & kPollExSet) && want_ex) {
        res_ex.Set(fd);
        ++count;
      }
      if (count != 0) registering = false;
    }
    registering = false;
    if (count != 0 || timed_out) {
      // set_fd_set: each set given gets its n bits (in whole words).
      res_in.Store(readfds);
      res_out.Store(writefds);
      res_ex.Store(exceptfds);
      return count;
    }
    const Result w = WaitAny(table, nullptr, deadline, call);
    // A signal: EINTR, and the sets are not written.
    if (w == Result::kInterrupted) return -EINTR;
    if (w == Result::kTimedOut) timed_out = true;
    res_in.Clear();
    res_out.Clear();
    res_ex.Clear();
  }
}

// kern_select: the timeval is folded into seconds and nanoseconds as
// Linux folds it (tv_usec may be a million or more), then checked; the
// time left is written back whatever the result (poll_select_finish),
// except for a zero timeout.
int Process::select(int nfds, fd_set* readfds, fd_set* writefds,
                    fd_set* exceptfds, timeval* timeout) {
  TraceArgs args;
  const int shown = std::clamp(nfds, 0, fds_.max_fds());
  args.Int(nfds);
  AddSetArg(args, readfds, shown);
  AddSetArg(args, writefds, shown);
  AddSetArg(args, exceptfds, shown);
  args.Timeval(timeout);
  return Syscall<int>("select", args, [&](CallFiles& files) {
    if (timeout == nullptr)
      return DoSelect(files, nfds, readfds, writefds, exceptfds, kNever, false,
                      "select");
    // The kernel's arithmetic is on 64-bit longs and wraps.
    const int64_t sec = static_cast<int64_t>(
        static_cast<uint64_t>(timeout->tv_sec) +
        static_cast<uint64_t>(timeout->tv_usec / 1'000'000));
    const int64_t nsec = (timeout->tv_usec % 1'000'000) * 1'000;
    if (!ValidTimeout(sec, nsec)) return -EINVAL;
    const Duration full = TimeoutDuration(sec, nsec);
    const bool zero = full == Duration::zero();
    const Time start = Now();
    const Time deadline = DeadlineAfter(start, full);
    const int r = DoSelect(files, nfds, readfds, writefds, exceptfds, deadline,
                           zero, "select");
    if (!zero) {
      // Exact in virtual time; a deadline past the clock's range
      // (292 years) counts down from the saturated length.
      const Duration left =
          std::max(Duration::zero(), deadline == kNever ? full - (Now() - start)
                                                        : deadline - Now());
      timeout->tv_sec = static_cast<time_t>(left.count() / 1'000'000'000);
      timeout->tv_usec =
          static_cast<suseconds_t>(left.count() % 1'000'000'000 / 1'000);
    }
    return r;
  });
}

// do_pselect: the timespec is checked first (EINVAL). The time left is
// not written back: the caller's timespec is const, as pselect(3) leaves
// it.
int Process::pselect6(int nfds, fd_set* readfds, fd_set* writefds,
                      fd_set* exceptfds, const timespec* timeout,
                      const sigset_t* /*sigmask*/) {
  TraceArgs args;
  const int shown = std::clamp(nfds, 0, fds_.max_fds());
  args.Int(nfds);
  AddSetArg(args, readfds, shown);
  AddSetArg(args, writefds, shown);
  AddSetArg(args, exceptfds, shown);
  args.Timespec(timeout);
  return Syscall<int>("pselect6", args, [&](CallFiles& files) {
    Time deadline = kNever;
    bool zero = false;
    if (timeout != nullptr) {
      if (!ValidTimeout(timeout->tv_sec, timeout->tv_nsec)) return -EINVAL;
      const Duration full = TimeoutDuration(timeout->tv_sec, timeout->tv_nsec);
      zero = full == Duration::zero();
      deadline = DeadlineAfter(Now(), full);
    }
    return DoSelect(files, nfds, readfds, writefds, exceptfds, deadline, zero,
                    "pselect6");
  });
}

}  // namespace simsock::sim
