// Differential scenarios: select(2) and pselect6(2) — the sets rewritten
// with only their ready fds (POLLIN_SET, POLLOUT_SET, POLLEX_SET), the
// count over the three sets, EBADF for an fd not open, nfds cut to the
// fd table's size, the timeouts' checks (kern_select folds tv_usec into
// seconds first) and the time left written back (poll_select_finish).
// The time left is compared only where it is deterministic: a zero
// timeout is not written, an expired one is 0, and one satisfied at once
// is the whole timeout less the microseconds the real call took (logged
// as a range). docs/semantics.md, "poll and select".
#include <sys/select.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "simsock/testing/diff/harness.h"
#include "simsock/testing/diff/scenario_util.h"

namespace simsock::diff {
namespace {

constexpr int kBitsPerWord = 64;

// A select set of any size (an fd_set is only FD_SETSIZE bits), as words.
class Set {
 public:
  explicit Set(std::vector<int> fds) : fds_(std::move(fds)) {
    int top = 0;
    for (int fd : fds_) top = std::max(top, fd);
    words_.assign(static_cast<size_t>(top / kBitsPerWord + 1) + 16, 0);
    for (int fd : fds_) words_[fd / kBitsPerWord] |= 1ul << (fd % kBitsPerWord);
  }
  fd_set* get() { return reinterpret_cast<fd_set*>(words_.data()); }
  bool Has(int fd) const {
    return (words_[fd / kBitsPerWord] >> (fd % kBitsPerWord)) & 1;
  }
  // The fds asked for that are still set: "{fd0,fd2}".
  std::string Show(Script& s) const {
    std::string out = "{";
    bool first = true;
    for (int fd : fds_) {
      if (!Has(fd)) continue;
      out += (first ? "" : ",") + s.Fd(fd);
      first = false;
    }
    return out + "}";
  }

 private:
  std::vector<int> fds_;
  std::vector<unsigned long> words_;
};

int Nfds(std::initializer_list<const std::vector<int>*> sets) {
  int top = -1;
  for (const auto* set : sets)
    for (int fd : *set) top = std::max(top, fd);
  return top + 1;
}

// select(max+1, r, w, e, tv): logs the sets asked and got, the result and
// the timeval written back. `tv_how` says how the timeval after the call
// is logged: exactly, or as a check of the range it must be in.
struct TvCheck {
  int64_t min_us = 0;  // the time left must be in [min_us, max_us]
  int64_t max_us = 0;
  bool exact = true;  // log the value itself
};

int Select(Script& s, const std::vector<int>& r, const std::vector<int>& w,
           const std::vector<int>& e, const timeval* tv,
           const TvCheck& check = {}, int nfds = -2) {
  Set rs(r), ws(w), es(e);
  if (nfds == -2) nfds = Nfds({&r, &w, &e});
  timeval t{};
  if (tv != nullptr) t = *tv;
  const int res = s.sys().select(
      nfds, r.empty() ? nullptr : rs.get(), w.empty() ? nullptr : ws.get(),
      e.empty() ? nullptr : es.get(), tv ? &t : nullptr);
  std::string line = "select(" + std::string(nfds >= 0 ? "max+1" : "-1") +
                     ", r " + (r.empty() ? "NULL" : Set(r).Show(s)) + ", w " +
                     (w.empty() ? "NULL" : Set(w).Show(s)) + ", e " +
                     (e.empty() ? "NULL" : Set(e).Show(s)) + ", ";
  line += tv == nullptr ? std::string("NULL")
                        : "{" + std::to_string(tv->tv_sec) + "," +
                              std::to_string(tv->tv_usec) + "}";
  line += ") = " + s.Result(res);
  line += " r " + (r.empty() ? std::string("NULL") : rs.Show(s));
  line += " w " + (w.empty() ? std::string("NULL") : ws.Show(s));
  line += " e " + (e.empty() ? std::string("NULL") : es.Show(s));
  if (tv != nullptr) {
    if (check.exact) {
      line += " tv {" + std::to_string(t.tv_sec) + "," +
              std::to_string(t.tv_usec) + "}";
    } else {
      const int64_t left = int64_t{t.tv_sec} * 1'000'000 + t.tv_usec;
      const bool ok = t.tv_usec >= 0 && t.tv_usec < 1'000'000 &&
                      left >= check.min_us && left <= check.max_us;
      line += " tv in [" + std::to_string(check.min_us) + "us, " +
              std::to_string(check.max_us) + "us] = " + (ok ? "true" : "false");
    }
  }
  s.Line(line);
  return res;
}

// The whole timeout, less at most 100 ms of real time.
TvCheck AboutAll(int64_t us) { return {us - 100'000, us, false}; }

int PSelect(Script& s, const std::vector<int>& r, const std::vector<int>& w,
            const timespec* ts, int nfds = -2) {
  Set rs(r), ws(w);
  if (nfds == -2) nfds = Nfds({&r, &w});
  const timespec before = ts != nullptr ? *ts : timespec{};
  const int res =
      s.sys().pselect6(nfds, r.empty() ? nullptr : rs.get(),
                       w.empty() ? nullptr : ws.get(), nullptr, ts, nullptr);
  std::string line = "pselect6(" + std::string(nfds >= 0 ? "max+1" : "-1") +
                     ", r " + (r.empty() ? "NULL" : Set(r).Show(s)) + ", w " +
                     (w.empty() ? "NULL" : Set(w).Show(s)) + ", ";
  line += ts == nullptr ? std::string("NULL")
                        : "{" + std::to_string(ts->tv_sec) + "," +
                              std::to_string(ts->tv_nsec) + "}";
  line += ") = " + s.Result(res);
  line += " r " + (r.empty() ? std::string("NULL") : rs.Show(s));
  line += " w " + (w.empty() ? std::string("NULL") : ws.Show(s));
  if (ts != nullptr)
    line += std::string(" timespec ") +
            (ts->tv_sec == before.tv_sec && ts->tv_nsec == before.tv_nsec
                 ? "unchanged"
                 : "changed");
  s.Line(line);
  return res;
}

const timeval kZero{0, 0};

}  // namespace

// A listener is readable with a connection pending; a connected socket
// is writable, readable once data is queued; a socket both readable and
// writable counts twice.
DIFF_SCENARIO(Select_ListenerAndConnectedTransitions) {
  const uint16_t port = s.Port("server");
  const int l = s.Tcp();
  s.Bind(l, Lo(port));
  s.Listen(l, 4);
  Select(s, {l}, {}, {}, &kZero);
  const int c = s.Tcp();
  s.Connect(c, Lo(port));
  s.Settle();
  Select(s, {l, c}, {c}, {c}, &kZero);
  const int a = s.Accept(l);
  Select(s, {l, a}, {a}, {a}, &kZero);
  s.Write(c, "hello");
  s.Settle();
  Select(s, {l, a}, {a}, {a}, &kZero);
  s.Read(a, 64);
  Select(s, {a}, {}, {}, &kZero);
}

// The peer's FIN makes a socket readable; a reset makes it readable and
// writable (ERR is in both sets); urgent data is exceptional (POLLPRI).
DIFF_SCENARIO(Select_PeerShutdownResetAndUrgentData) {
  Conn c = Establish(s);
  s.Send(c.client, "!", MSG_OOB);
  s.Settle();
  Select(s, {c.server}, {}, {c.server}, &kZero);
  s.Shutdown(c.client, SHUT_WR);
  s.Settle();
  Select(s, {c.server}, {c.server}, {c.server}, &kZero);
  Conn d = Establish(s);
  s.SetLinger(d.server, 1, 0);
  s.Close(d.server);
  s.Settle();
  Select(s, {d.client}, {d.client}, {d.client}, &kZero);
}

// An fd not open in any set is EBADF, and the sets are left as they
// were. nfds < 0 is EINVAL. A bit at or above nfds is not looked at (but its
// word is written back). A bit above the fd table's size is never read, even
// when nfds reaches it.
DIFF_SCENARIO(Select_BadFdsAndNfds) {
  Conn c = Establish(s);
  const int gone = s.Tcp();
  s.Close(gone);
  Select(s, {c.server}, {c.client, gone}, {}, &kZero);
  Select(s, {}, {}, {gone}, &kZero);
  Select(s, {c.server}, {c.client}, {}, &kZero, {}, -1);
  // nfds covers only the client: the server's bit is cleared unread.
  const int lo = std::min(c.client, c.server);
  const int hi = std::max(c.client, c.server);
  {
    Set w({lo, hi});
    const int r = s.sys().select(lo + 1, nullptr, w.get(), nullptr,
                                 const_cast<timeval*>(&kZero));
    s.Line("select(lower+1, w {lower,higher}) = " + s.Result(r) + " lower " +
           (w.Has(lo) ? "set" : "clear") + " higher " +
           (w.Has(hi) ? "set" : "clear"));
  }
  {
    Set w({c.client, Script::kHugeFd});
    const int r = s.sys().select(Script::kHugeFd + 1, nullptr, w.get(), nullptr,
                                 const_cast<timeval*>(&kZero));
    s.Line("select(fd<huge>+1, w {" + s.Fd(c.client) + ",fd<huge>}) = " +
           s.Result(r) + " client " + (w.Has(c.client) ? "set" : "clear") +
           " fd<huge> " + (w.Has(Script::kHugeFd) ? "set" : "clear"));
  }
  s.Raw("select(0, NULL, NULL, NULL, {0,0})",
        s.sys().select(0, nullptr, nullptr, nullptr,
                       const_cast<timeval*>(&kZero)));
}

// The timeval: negative seconds or microseconds (after folding) are
// EINVAL; tv_usec past a million folds into seconds ({1,-1000000} is a
// zero timeout, not written back). The time left is written back: 0
// after a timeout that expired (the sets zeroed), all of it less the
// real call's microseconds when satisfied at once, in normalised form.
DIFF_SCENARIO(Select_TimeoutsCheckedAndWrittenBack) {
  Conn c = Establish(s);
  const timeval neg_sec{-1, 0};
  const timeval neg_usec{0, -1};
  const timeval folds_to_zero{1, -1'000'000};
  Select(s, {c.server}, {}, {}, &neg_sec);
  Select(s, {c.server}, {}, {}, &neg_usec);
  Select(s, {c.server}, {}, {}, &folds_to_zero);
  Select(s, {c.server}, {}, {}, &kZero);
  const timeval short_wait{0, 20'000};
  Select(s, {c.server}, {}, {}, &short_wait);
  const timeval five{5, 0};
  Select(s, {}, {c.server}, {}, &five, AboutAll(5'000'000));
  const timeval folded{0, 2'500'000};
  Select(s, {}, {c.server}, {}, &folded, AboutAll(2'500'000));
  // Written back also when the call fails after the timeout was read.
  const int gone = s.Tcp();
  s.Close(gone);
  Select(s, {gone}, {}, {}, &five, AboutAll(5'000'000));
  s.Write(c.client, "x");
  s.Settle();
  Select(s, {c.server}, {}, {}, nullptr);
}

// UDP sockets and an epoll fd in the sets.
DIFF_SCENARIO(Select_UdpAndEpoll) {
  auto [port, server, u] = BindUdp(s, "server");
  const int cl = s.Udp();
  Select(s, {u, cl}, {u, cl}, {}, &kZero);
  s.SendTo(cl, "dgram", 0, &server);
  s.Settle();
  const int ep = s.EpollCreate();
  s.EpollCtl(ep, EPOLL_CTL_ADD, u, EPOLLIN);
  Select(s, {u, ep}, {ep}, {ep}, &kZero);
  s.Recv(u, 64, 0, false);
  Select(s, {u, ep}, {}, {}, &kZero);
}

// pselect6: the timespec is checked (EINVAL) before nfds and the fds,
// and is never written back (const, as pselect(3)); a timeout that
// expires returns 0.
DIFF_SCENARIO(Pselect6_TimespecChecksAndTimeouts) {
  Conn c = Establish(s);
  const timespec bad[] = {{-1, 0}, {0, 1'000'000'000}, {0, -1}};
  for (const timespec& ts : bad) PSelect(s, {c.server}, {}, &ts);
  PSelect(s, {c.server}, {}, &bad[1], -1);
  const timespec zero{0, 0};
  PSelect(s, {c.server}, {}, &zero, -1);  // EINVAL: nfds
  PSelect(s, {c.server}, {c.server}, &zero);
  const timespec short_wait{0, 20'000'000};
  PSelect(s, {c.server}, {}, &short_wait);
  const timespec five{5, 0};
  PSelect(s, {}, {c.server}, &five);
  s.Write(c.client, "x");
  s.Settle();
  PSelect(s, {c.server}, {}, nullptr);
}

}  // namespace simsock::diff
