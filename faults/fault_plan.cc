#include "simsock/faults/fault_plan.h"

#include <algorithm>
#include <array>
#include <cinttypes>
#include <cstdio>
#include <set>
#include <utility>

namespace simsock::faults {
namespace {

constexpr std::array<std::pair<FaultKind, std::string_view>, 14> kKindNames{{
    {FaultKind::kLoss, "loss"},
    {FaultKind::kDuplicate, "duplicate"},
    {FaultKind::kCorrupt, "corrupt"},
    {FaultKind::kDelay, "delay"},
    {FaultKind::kJitter, "jitter"},
    {FaultKind::kBandwidth, "bandwidth"},
    {FaultKind::kQueue, "queue"},
    {FaultKind::kClog, "clog"},
    {FaultKind::kPartition, "partition"},
    {FaultKind::kIsolate, "isolate"},
    {FaultKind::kSplit, "split"},
    {FaultKind::kCrash, "crash"},
    {FaultKind::kRestart, "restart"},
    {FaultKind::kSyscall, "syscall"},
}};

constexpr std::array<std::pair<SyscallFaultKind, std::string_view>, 10>
    kSyscallNames{{
        {SyscallFaultKind::kEintr, "eintr"},
        {SyscallFaultKind::kShortIo, "short"},
        {SyscallFaultKind::kEagain, "eagain"},
        {SyscallFaultKind::kEnobufs, "enobufs"},
        {SyscallFaultKind::kEnomem, "enomem"},
        {SyscallFaultKind::kEmfile, "emfile"},
        {SyscallFaultKind::kEnfile, "enfile"},
        {SyscallFaultKind::kEconnaborted, "econnaborted"},
        {SyscallFaultKind::kEconnreset, "econnreset"},
        {SyscallFaultKind::kSpuriousWake, "spurious"},
    }};

// "0.1", "0.000001", "1": nine decimals at most, trailing zeros cut (what
// the reader accepts back exactly).
std::string FormatProbability(double p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9f", p);
  std::string s = buf;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

std::string FormatHosts(const HostSet& set) {
  if (set.all) return "*";
  std::string out;
  for (const std::string& n : set.names) out += (out.empty() ? "" : ",") + n;
  return out;
}

std::string FormatLink(const LinkSet& link) {
  return FormatHosts(link.from) + (link.both_ways ? " <-> " : " -> ") +
         FormatHosts(link.to);
}

std::string FormatEvent(const Event& ev) {
  std::string out = ev.instant ? "at " + FormatDuration(ev.start)
                               : "from " + FormatDuration(ev.start);
  if (ev.end) out += " to " + FormatDuration(*ev.end);
  out += " ";
  out += FaultKindName(ev.kind);
  switch (ev.kind) {
    case FaultKind::kLoss:
    case FaultKind::kDuplicate:
    case FaultKind::kCorrupt:
      return out + " " + FormatProbability(ev.probability) + " " +
             FormatLink(ev.link);
    case FaultKind::kDelay:
    case FaultKind::kJitter:
      return out + " " + FormatDuration(ev.duration) + " " +
             FormatLink(ev.link);
    case FaultKind::kBandwidth:
      return out + " " + FormatRate(ev.bits_per_second) + " " +
             FormatLink(ev.link);
    case FaultKind::kQueue:
      return out + " " + FormatBytes(ev.bytes) + " " + FormatLink(ev.link);
    case FaultKind::kClog:
    case FaultKind::kPartition:
      return out + " " + FormatLink(ev.link);
    case FaultKind::kIsolate:
    case FaultKind::kCrash:
    case FaultKind::kRestart:
      return out + " " + FormatHosts(ev.hosts);
    case FaultKind::kSplit:
      return out + " " + FormatHosts(ev.hosts) + " | " + FormatHosts(ev.others);
    case FaultKind::kSyscall: {
      out += " ";
      out += SyscallFaultKindName(ev.syscall.kind);
      out += ev.syscall.nth > 0
                 ? " nth " + std::to_string(ev.syscall.nth)
                 : " " + FormatProbability(ev.syscall.probability);
      if (!ev.syscall.call.empty()) out += " in " + ev.syscall.call;
      out += " on " + FormatHosts(ev.hosts);
      if (ev.pid > 0) out += " pid " + std::to_string(ev.pid);
      return out;
    }
  }
  return out;
}

// splitmix64: a small, well-mixed generator for drawing random plans from
// a seed (the plan must not depend on the simulator's streams, so that it
// can be drawn, printed and shrunk before any world exists).
class PlanRng {
 public:
  explicit PlanRng(uint64_t seed) : state_(seed ^ 0x6661756c74706c61ULL) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [lo, hi] (hi >= lo).
  uint64_t Between(uint64_t lo, uint64_t hi) {
    return lo + Next() % (hi - lo + 1);
  }

 private:
  uint64_t state_;
};

}  // namespace

std::string PlanError::ToString() const {
  if (line <= 0) return "plan: " + message;
  return "plan:" + std::to_string(line) + ":" + std::to_string(column) + ": " +
         message;
}

std::string_view FaultKindName(FaultKind kind) {
  for (const auto& [k, name] : kKindNames) {
    if (k == kind) return name;
  }
  return "?";
}

std::optional<FaultKind> FaultKindFromName(std::string_view name) {
  for (const auto& [k, n] : kKindNames) {
    if (n == name) return k;
  }
  return std::nullopt;
}

std::string_view SyscallFaultKindName(SyscallFaultKind kind) {
  for (const auto& [k, name] : kSyscallNames) {
    if (k == kind) return name;
  }
  return "?";
}

std::optional<SyscallFaultKind> SyscallFaultKindFromName(
    std::string_view name) {
  for (const auto& [k, n] : kSyscallNames) {
    if (n == name) return k;
  }
  return std::nullopt;
}

bool GlobMatch(std::string_view pattern, std::string_view name) {
  // Iterative matcher with one backtrack point for the last '*'.
  size_t p = 0, n = 0, star = std::string_view::npos, mark = 0;
  while (n < name.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == name[n])) {
      ++p;
      ++n;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::string FormatDuration(Duration d) {
  const int64_t ns = d.count();
  struct Unit {
    int64_t ns;
    const char* name;
  };
  static constexpr Unit kUnits[] = {{3'600'000'000'000, "h"},
                                    {60'000'000'000, "m"},
                                    {1'000'000'000, "s"},
                                    {1'000'000, "ms"},
                                    {1'000, "us"}};
  if (ns != 0) {
    for (const Unit& u : kUnits) {
      if (ns % u.ns == 0) return std::to_string(ns / u.ns) + u.name;
    }
  }
  return std::to_string(ns) + (ns == 0 ? "s" : "ns");
}

std::string FormatRate(uint64_t bps) {
  if (bps % 1'000'000'000 == 0)
    return std::to_string(bps / 1'000'000'000) + "gbit";
  if (bps % 1'000'000 == 0) return std::to_string(bps / 1'000'000) + "mbit";
  if (bps % 1'000 == 0) return std::to_string(bps / 1'000) + "kbit";
  return std::to_string(bps) + "bit";
}

std::string FormatBytes(uint64_t bytes) {
  if (bytes % (1024 * 1024) == 0) return std::to_string(bytes >> 20) + "mb";
  if (bytes % 1024 == 0) return std::to_string(bytes >> 10) + "kb";
  return std::to_string(bytes) + "b";
}

std::string FaultPlan::ToText() const {
  std::string out;
  for (const Group& g : groups) {
    out += "group " + g.name + " =";
    for (const std::string& p : g.patterns) out += " " + p;
    out += "\n";
  }
  for (const Event& ev : events) out += FormatEvent(ev) + "\n";
  if (random) {
    out += "random faults=" + std::to_string(random->faults) + " kinds=";
    for (size_t i = 0; i < random->kinds.size(); ++i) {
      out += (i ? "," : "") + std::string(FaultKindName(random->kinds[i]));
    }
    out += " duration=" + FormatDuration(random->duration) + "\n";
  }
  return out;
}

std::vector<std::string> FaultPlan::Resolve(
    const HostSet& set, const std::vector<std::string>& hosts) const {
  std::set<std::string> wanted;
  if (!set.all) {
    for (const std::string& name : set.names) {
      auto g = std::find_if(groups.begin(), groups.end(),
                            [&](const Group& gr) { return gr.name == name; });
      if (g == groups.end()) {
        wanted.insert(name);
        continue;
      }
      for (const std::string& h : hosts) {
        for (const std::string& p : g->patterns) {
          if (GlobMatch(p, h)) wanted.insert(h);
        }
      }
    }
  }
  std::vector<std::string> out;
  for (const std::string& h : hosts) {
    if (set.all || wanted.count(h)) out.push_back(h);
  }
  return out;
}

std::optional<PlanError> FaultPlan::Check(
    const std::vector<std::string>& hosts) const {
  auto is_host = [&](const std::string& n) {
    return std::find(hosts.begin(), hosts.end(), n) != hosts.end();
  };
  for (const Group& g : groups) {
    if (is_host(g.name)) {
      return PlanError{g.where.line, g.where.column,
                       "group \"" + g.name + "\" has the name of a host"};
    }
    for (const std::string& p : g.patterns) {
      if (Resolve(HostSet::Of({g.name}), hosts).empty()) {
        return PlanError{
            g.where.line, g.where.column,
            "group \"" + g.name + "\": \"" + p + "\" matches no host"};
      }
    }
  }
  for (const Event& ev : events) {
    auto error = [&](std::string message) {
      return PlanError{ev.where.line, ev.where.column, std::move(message)};
    };
    auto check_set = [&](const HostSet& set) -> std::optional<PlanError> {
      for (const std::string& n : set.names) {
        bool group = std::any_of(groups.begin(), groups.end(),
                                 [&](const Group& g) { return g.name == n; });
        if (!is_host(n) && !group) {
          return error("unknown host or group \"" + n + "\"");
        }
      }
      if (Resolve(set, hosts).empty()) {
        return error("\"" + FormatHosts(set) + "\" names no host");
      }
      return std::nullopt;
    };
    switch (ev.kind) {
      case FaultKind::kLoss:
      case FaultKind::kDuplicate:
      case FaultKind::kCorrupt:
      case FaultKind::kDelay:
      case FaultKind::kJitter:
      case FaultKind::kBandwidth:
      case FaultKind::kQueue:
      case FaultKind::kClog:
      case FaultKind::kPartition: {
        if (auto e = check_set(ev.link.from)) return e;
        if (auto e = check_set(ev.link.to)) return e;
        auto from = Resolve(ev.link.from, hosts);
        auto to = Resolve(ev.link.to, hosts);
        if (from.size() == 1 && to.size() == 1 && from[0] == to[0]) {
          return error("\"" + FormatLink(ev.link) +
                       "\" links a host to itself (loopback is never "
                       "faulty)");
        }
        break;
      }
      case FaultKind::kSplit: {
        if (auto e = check_set(ev.hosts)) return e;
        if (auto e = check_set(ev.others)) return e;
        auto a = Resolve(ev.hosts, hosts);
        for (const std::string& h : Resolve(ev.others, hosts)) {
          if (std::find(a.begin(), a.end(), h) != a.end()) {
            return error("host \"" + h + "\" is on both sides of the split");
          }
        }
        break;
      }
      case FaultKind::kIsolate:
      case FaultKind::kCrash:
      case FaultKind::kRestart:
      case FaultKind::kSyscall:
        if (auto e = check_set(ev.hosts)) return e;
        break;
    }
  }
  return std::nullopt;
}

FaultPlan FaultPlan::Draw(uint64_t seed,
                          const std::vector<std::string>& hosts) const {
  FaultPlan out = *this;
  out.random.reset();
  if (!random || hosts.empty() || random->kinds.empty() ||
      random->duration <= Duration::zero())
    return out;
  PlanRng rng(seed);
  const int64_t span = random->duration.count();
  std::vector<Event> drawn;
  auto pick_host = [&] { return hosts[rng.Between(0, hosts.size() - 1)]; };
  auto pick_link = [&](Event& ev) {
    const size_t a = rng.Between(0, hosts.size() - 1);
    size_t b = rng.Between(0, hosts.size() - 2);
    if (b >= a) ++b;
    ev.link = {HostSet::Of({hosts[a]}), HostSet::Of({hosts[b]}),
               rng.Between(0, 1) == 0};
  };
  for (int i = 0; i < random->faults; ++i) {
    FaultKind kind = random->kinds[rng.Between(0, random->kinds.size() - 1)];
    Event ev;
    ev.where = random->where;
    ev.kind = kind;
    // Whole milliseconds, so that the printed plan reads easily.
    ev.start = std::chrono::milliseconds(rng.Between(
        0, static_cast<uint64_t>(std::max<int64_t>(span / 1'000'000 - 1, 0))));
    // Faults last between 1/50 and 1/5 of the budget (a clog, which holds
    // everything, at most 1/20), at least a millisecond, and end with it.
    const int64_t longest = kind == FaultKind::kClog ? span / 20 : span / 5;
    const int64_t length =
        std::max<int64_t>(
            1, static_cast<int64_t>(rng.Between(
                   static_cast<uint64_t>(span / 50'000'000),
                   static_cast<uint64_t>(std::max(longest, span / 50) /
                                         1'000'000)))) *
        1'000'000;
    ev.end = std::min<Time>(ev.start + Time(length), random->duration);
    if (*ev.end <= ev.start) {  // a budget shorter than a millisecond
      ev.start = Time(0);
      ev.end = random->duration;
    }
    const bool link_kind = kind != FaultKind::kIsolate &&
                           kind != FaultKind::kSplit &&
                           kind != FaultKind::kCrash;
    if ((link_kind || kind == FaultKind::kSplit) && hosts.size() < 2) continue;
    switch (kind) {
      case FaultKind::kLoss:
      case FaultKind::kDuplicate:
      case FaultKind::kCorrupt:
        ev.probability = static_cast<double>(rng.Between(1, 50)) / 100;
        pick_link(ev);
        break;
      case FaultKind::kDelay:
        ev.duration = std::chrono::milliseconds(rng.Between(1, 200));
        pick_link(ev);
        break;
      case FaultKind::kJitter:
        ev.duration = std::chrono::milliseconds(rng.Between(1, 50));
        pick_link(ev);
        break;
      case FaultKind::kBandwidth: {
        static constexpr uint64_t kRates[] = {1'000'000, 10'000'000,
                                              100'000'000};
        ev.bits_per_second = kRates[rng.Between(0, 2)];
        pick_link(ev);
        break;
      }
      case FaultKind::kQueue: {
        static constexpr uint64_t kQueues[] = {16 * 1024, 64 * 1024,
                                               256 * 1024};
        ev.bytes = kQueues[rng.Between(0, 2)];
        pick_link(ev);
        break;
      }
      case FaultKind::kClog:
      case FaultKind::kPartition:
        pick_link(ev);
        break;
      case FaultKind::kIsolate:
      case FaultKind::kCrash:
        ev.hosts = HostSet::Of({pick_host()});
        break;
      case FaultKind::kSplit: {
        // A random nonempty proper subset against the rest.
        std::vector<std::string> a, b;
        const size_t cut = rng.Between(1, hosts.size() - 1);
        std::vector<size_t> order(hosts.size());
        for (size_t k = 0; k < order.size(); ++k) order[k] = k;
        for (size_t k = order.size() - 1; k > 0; --k) {
          std::swap(order[k], order[rng.Between(0, k)]);
        }
        std::sort(order.begin(), order.begin() + static_cast<long>(cut));
        std::sort(order.begin() + static_cast<long>(cut), order.end());
        for (size_t k = 0; k < order.size(); ++k) {
          (k < cut ? a : b).push_back(hosts[order[k]]);
        }
        ev.hosts = HostSet::Of(std::move(a));
        ev.others = HostSet::Of(std::move(b));
        break;
      }
      case FaultKind::kRestart:
      case FaultKind::kSyscall:
        continue;  // not drawn (the parser refuses them in kinds=)
    }
    drawn.push_back(std::move(ev));
  }
  std::stable_sort(
      drawn.begin(), drawn.end(),
      [](const Event& a, const Event& b) { return a.start < b.start; });
  std::vector<Event> merged;
  std::merge(out.events.begin(), out.events.end(), drawn.begin(), drawn.end(),
             std::back_inserter(merged),
             [](const Event& a, const Event& b) { return a.start < b.start; });
  out.events = std::move(merged);
  return out;
}

}  // namespace simsock::faults
