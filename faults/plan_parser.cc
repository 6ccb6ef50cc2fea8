// The plan language's reader (docs/faults.md, "The language"). One line at
// a time: a line is split into tokens that remember their column, then
// read by a small recursive-descent parser. The first error stops the
// parse, and nothing of the plan is returned.
#include <cctype>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "simsock/faults/fault_plan.h"
#include "simsock/faults/plan_lexer.h"
#include "simsock/faults/syscall_fault_rules.h"

namespace simsock::faults {
namespace {

using lexer::ParseDecimal;
using lexer::Scaled;
using lexer::Token;
using lexer::Tokenize;

class LineParser {
 public:
  LineParser(std::vector<Token> tokens, int line, int end_column,
             FaultPlan& plan, Time* last_start,
             const std::vector<std::string>* hosts)
      : hosts_(hosts),
        t_(std::move(tokens)),
        line_(line),
        end_column_(end_column),
        plan_(plan),
        last_start_(last_start) {}

  std::optional<PlanError> Parse() {
    const std::string& first = Peek();
    if (first == "group") return ParseGroup();
    if (first == "random") return ParseRandom();
    if (first == "at" || first == "from") return ParseEvent();
    return Error("expected \"at\", \"from\", \"group\" or \"random\", found " +
                 Quote(first));
  }

 private:
  const std::string& Peek(size_t ahead = 0) const {
    static const std::string kEnd;
    return pos_ + ahead < t_.size() ? t_[pos_ + ahead].text : kEnd;
  }
  bool AtEnd() const { return pos_ >= t_.size(); }
  int Column() const {
    return pos_ < t_.size() ? t_[pos_].column : end_column_;
  }
  static std::string Quote(const std::string& s) {
    return s.empty() ? "the end of the line" : "\"" + s + "\"";
  }
  PlanError Error(std::string message) const {
    return {line_, Column(), std::move(message)};
  }
  PlanError ErrorAt(int column, std::string message) const {
    return {line_, column, std::move(message)};
  }
  bool Accept(std::string_view word) {
    if (Peek() != word) return false;
    ++pos_;
    return true;
  }
  std::optional<PlanError> Expect(std::string_view word) {
    if (Accept(word)) return std::nullopt;
    return Error("expected \"" + std::string(word) + "\", found " +
                 Quote(Peek()));
  }
  std::optional<PlanError> ExpectEnd() {
    if (AtEnd()) return std::nullopt;
    return Error("expected the end of the line, found " + Quote(Peek()));
  }

  static bool IsName(const std::string& s) {
    if (s.empty()) return false;
    for (char c : s) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' &&
          c != '-' && c != '.')
        return false;
    }
    return true;
  }
  static bool IsPattern(const std::string& s) {
    if (s.empty()) return false;
    for (char c : s) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' &&
          c != '-' && c != '.' && c != '*' && c != '?')
        return false;
    }
    return true;
  }
  static bool IsKeyword(const std::string& s) {
    return s == "at" || s == "from" || s == "to" || s == "group" ||
           s == "random" || s == "on" || s == "in" || s == "pid" || s == "nth";
  }

  std::optional<PlanError> ReadTime(Time* out) {
    uint64_t ns;
    if (AtEnd() ||
        !Scaled(Peek(),
                {{"ns", 1},
                 {"us", 1'000},
                 {"ms", 1'000'000},
                 {"s", 1'000'000'000},
                 {"m", 60'000'000'000},
                 {"h", 3'600'000'000'000}},
                &ns) ||
        ns > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Error(
          "expected a time such as 45s, 1.5s, 200ms, 10m (units ns, us, "
          "ms, s, m, h), found " +
          Quote(Peek()));
    }
    *out = Time(static_cast<int64_t>(ns));
    ++pos_;
    return std::nullopt;
  }

  std::optional<PlanError> Probability(double* out) {
    const std::string& s = Peek();
    uint64_t whole, frac9;
    bool percent = !s.empty() && s.back() == '%';
    std::string_view number =
        percent ? std::string_view(s).substr(0, s.size() - 1) : s;
    if (AtEnd() || !ParseDecimal(number, &whole, &frac9)) {
      return Error("expected a probability such as 0.1 or 10%, found " +
                   Quote(s));
    }
    if (whole > 100) return Error("probability " + s + " is outside [0, 1]");
    double p = static_cast<double>(whole * 1'000'000'000 + frac9) / 1e9;
    if (percent) p /= 100;
    if (p > 1) {
      return Error("probability " + s + " is outside [0, 1]");
    }
    *out = p;
    ++pos_;
    return std::nullopt;
  }

  std::optional<PlanError> Count(const char* what, uint64_t* out) {
    const std::string& s = Peek();
    uint64_t v = 0;
    bool ok = !s.empty() && s.size() <= 18;
    for (char c : s) ok = ok && std::isdigit(static_cast<unsigned char>(c));
    if (ok) v = std::stoull(s);
    if (!ok || v == 0) {
      return Error(std::string("expected ") + what +
                   " (a whole number from 1), found " + Quote(s));
    }
    *out = v;
    ++pos_;
    return std::nullopt;
  }

  std::optional<PlanError> Hosts(HostSet* out) {
    if (Accept("*")) {
      *out = HostSet::All();
      return std::nullopt;
    }
    HostSet set;
    for (;;) {
      const std::string& s = Peek();
      if (!IsName(s) || IsKeyword(s)) {
        return Error("expected a host, a group or *, found " + Quote(s));
      }
      if (hosts_ != nullptr && !IsHost(s) && !IsGroup(s)) {
        return Error("unknown host or group \"" + s + "\" (hosts: " +
                     HostList() + "; a group must be defined above its use)");
      }
      set.names.push_back(s);
      ++pos_;
      if (!Accept(",")) break;
    }
    *out = std::move(set);
    return std::nullopt;
  }

  std::optional<PlanError> Link(LinkSet* out) {
    if (auto e = Hosts(&out->from)) return e;
    if (Accept("<->")) {
      out->both_ways = true;
    } else if (Accept("->")) {
      out->both_ways = false;
    } else {
      return Error("expected \"<->\" (both ways) or \"->\" (one way), found " +
                   Quote(Peek()));
    }
    return Hosts(&out->to);
  }

  std::optional<PlanError> ParseGroup() {
    const int column = Column();
    ++pos_;  // group
    const std::string& name = Peek();
    if (!IsName(name) || IsKeyword(name)) {
      return Error("expected a group name, found " + Quote(name));
    }
    for (const Group& g : plan_.groups) {
      if (g.name == name) {
        return Error("group \"" + name + "\" is already defined on line " +
                     std::to_string(g.where.line));
      }
    }
    Group g{{line_, column}, name, {}};
    ++pos_;
    if (auto e = Expect("=")) return e;
    while (!AtEnd()) {
      if (!IsPattern(Peek())) {
        return Error("expected a host name or pattern (with * and ?), found " +
                     Quote(Peek()));
      }
      if (hosts_ != nullptr && !AnyHostMatches(Peek())) {
        return Error("\"" + Peek() +
                     "\" matches no host (hosts: " + HostList() + ")");
      }
      g.patterns.push_back(Peek());
      ++pos_;
      Accept(",");
    }
    if (g.patterns.empty()) return Error("a group needs at least one host");
    plan_.groups.push_back(std::move(g));
    return std::nullopt;
  }

  std::optional<PlanError> ParseRandom() {
    const int column = Column();
    if (plan_.random) {
      return Error("a plan has one \"random\" line; the first is on line " +
                   std::to_string(plan_.random->where.line));
    }
    ++pos_;
    RandomBudget b;
    b.where = {line_, column};
    bool have_faults = false, have_duration = false;
    while (!AtEnd()) {
      const std::string key = Peek();
      ++pos_;
      if (auto e = Expect("=")) return e;
      if (key == "faults") {
        uint64_t n;
        if (auto e = Count("a number of faults", &n)) return e;
        if (n > 100000) {
          return ErrorAt(Column() - 1, "at most 100000 random faults, not " +
                                           std::to_string(n));
        }
        b.faults = static_cast<int>(n);
        have_faults = true;
      } else if (key == "kinds") {
        do {
          auto kind = FaultKindFromName(Peek());
          if (!kind || *kind == FaultKind::kSyscall ||
              *kind == FaultKind::kRestart) {
            return Error(
                "expected a fault kind to draw (loss, duplicate, corrupt, "
                "delay, jitter, bandwidth, queue, clog, partition, isolate, "
                "split, crash), found " +
                Quote(Peek()));
          }
          b.kinds.push_back(*kind);
          ++pos_;
        } while (Accept(","));
      } else if (key == "duration") {
        Time d;
        if (auto e = ReadTime(&d)) return e;
        if (d <= Time::zero()) return Error("the duration must be positive");
        b.duration = d;
        have_duration = true;
      } else {
        return ErrorAt(Column() - 1,
                       "expected faults=, kinds= or duration=, "
                       "found \"" +
                           key + "\"");
      }
    }
    if (!have_faults) return Error("random needs faults=N");
    if (!have_duration) return Error("random needs duration=D");
    if (b.kinds.empty()) {
      b.kinds = {FaultKind::kLoss, FaultKind::kPartition, FaultKind::kCrash};
    }
    plan_.random = std::move(b);
    return std::nullopt;
  }

  std::optional<PlanError> ParseEvent() {
    Event ev;
    ev.where = {line_, Column()};
    ev.instant = Peek() == "at";
    ++pos_;
    const int start_column = Column();
    if (auto e = ReadTime(&ev.start)) return e;
    if (ev.start < *last_start_) {
      return ErrorAt(start_column,
                     "time goes backwards: this event starts at " +
                         FormatDuration(ev.start) + ", after one at " +
                         FormatDuration(*last_start_) +
                         " (write the events in time order)");
    }
    if (!ev.instant && Accept("to")) {
      const int end_column = Column();
      Time end;
      if (auto e = ReadTime(&end)) return e;
      if (end <= ev.start) {
        return ErrorAt(end_column, "the interval ends (" + FormatDuration(end) +
                                       ") before it starts (" +
                                       FormatDuration(ev.start) + ")");
      }
      ev.end = end;
    }
    const int kind_column = Column();
    const std::string word = Peek();
    auto kind = FaultKindFromName(word);
    if (!kind) {
      return Error(
          "expected a fault (loss, duplicate, corrupt, delay, jitter, "
          "bandwidth, queue, clog, partition, isolate, split, crash, "
          "restart, syscall), found " +
          Quote(word));
    }
    ++pos_;
    ev.kind = *kind;
    const bool instant_kind = ev.kind == FaultKind::kCrash ||
                              ev.kind == FaultKind::kRestart ||
                              ev.kind == FaultKind::kSyscall;
    if (ev.instant && !instant_kind) {
      return ErrorAt(kind_column, word + " lasts: write \"from T " + word +
                                      " ...\" or \"from T to T " + word +
                                      " ...\"");
    }
    if (ev.kind == FaultKind::kRestart && !ev.instant) {
      return ErrorAt(kind_column,
                     "a restart happens at an instant: write \"at T restart "
                     "...\"");
    }
    if (auto e = Body(&ev)) return e;
    if (auto e = ExpectEnd()) return e;
    *last_start_ = ev.start;
    plan_.events.push_back(std::move(ev));
    return std::nullopt;
  }

  std::optional<PlanError> Body(Event* ev) {
    switch (ev->kind) {
      case FaultKind::kLoss:
      case FaultKind::kDuplicate:
      case FaultKind::kCorrupt:
        if (auto e = Probability(&ev->probability)) return e;
        return Link(&ev->link);
      case FaultKind::kDelay:
      case FaultKind::kJitter:
        if (auto e = ReadTime(&ev->duration)) return e;
        return Link(&ev->link);
      case FaultKind::kBandwidth: {
        uint64_t bps;
        if (AtEnd() ||
            !Scaled(Peek(),
                    {{"bit", 1},
                     {"kbit", 1'000},
                     {"mbit", 1'000'000},
                     {"gbit", 1'000'000'000}},
                    &bps) ||
            bps == 0) {
          return Error(
              "expected a rate such as 10mbit (units bit, kbit, mbit, gbit, "
              "per second), found " +
              Quote(Peek()));
        }
        ev->bits_per_second = bps;
        ++pos_;
        return Link(&ev->link);
      }
      case FaultKind::kQueue: {
        uint64_t bytes;
        if (AtEnd() ||
            !Scaled(Peek(), {{"b", 1}, {"kb", 1024}, {"mb", 1024 * 1024}},
                    &bytes) ||
            bytes == 0) {
          return Error(
              "expected a size such as 64kb (units b, kb, mb; k = 1024), "
              "found " +
              Quote(Peek()));
        }
        ev->bytes = bytes;
        ++pos_;
        return Link(&ev->link);
      }
      case FaultKind::kClog:
      case FaultKind::kPartition:
        return Link(&ev->link);
      case FaultKind::kIsolate:
      case FaultKind::kCrash:
      case FaultKind::kRestart:
        return Hosts(&ev->hosts);
      case FaultKind::kSplit:
        if (auto e = Hosts(&ev->hosts)) return e;
        if (auto e = Expect("|")) return e;
        return Hosts(&ev->others);
      case FaultKind::kSyscall:
        return Syscall(ev);
    }
    return std::nullopt;
  }

  std::optional<PlanError> Syscall(Event* ev) {
    auto kind = SyscallFaultKindFromName(Peek());
    if (!kind) {
      return Error(
          "expected a syscall fault (eintr, short, eagain, enobufs, enomem, "
          "emfile, enfile, econnaborted, econnreset, spurious), found " +
          Quote(Peek()));
    }
    ev->syscall.kind = *kind;
    ++pos_;
    if (Accept("nth")) {
      if (auto e = Count("which call (nth N)", &ev->syscall.nth)) return e;
    } else {
      if (auto e = Probability(&ev->syscall.probability)) return e;
    }
    if (Accept("in")) {
      const std::string& call = Peek();
      if (!CanHit(*kind, call)) {
        std::string calls;
        for (std::string_view c : CallsFor(*kind)) {
          calls += (calls.empty() ? "" : ", ") + std::string(c);
        }
        return Error(std::string(SyscallFaultKindName(*kind)) +
                     " is never returned by " + Quote(call) + "; it can hit " +
                     calls);
      }
      ev->syscall.call = call;
      ++pos_;
    }
    if (auto e = Expect("on")) return e;
    if (auto e = Hosts(&ev->hosts)) return e;
    if (Accept("pid")) {
      uint64_t pid;
      if (auto e = Count("a pid", &pid)) return e;
      if (pid > 1'000'000)
        return Error("pid " + std::to_string(pid) + " is out of range");
      ev->pid = static_cast<int>(pid);
    }
    return std::nullopt;
  }

  bool AnyHostMatches(const std::string& pattern) const {
    for (const std::string& h : *hosts_) {
      if (GlobMatch(pattern, h)) return true;
    }
    return false;
  }
  bool IsHost(const std::string& name) const {
    for (const std::string& h : *hosts_) {
      if (h == name) return true;
    }
    return false;
  }
  bool IsGroup(const std::string& name) const {
    for (const Group& g : plan_.groups) {
      if (g.name == name) return true;
    }
    return false;
  }
  std::string HostList() const {
    std::string out;
    for (const std::string& h : *hosts_) out += (out.empty() ? "" : ", ") + h;
    return out.empty() ? "(none)" : out;
  }

  const std::vector<std::string>* hosts_;  // null: names are not checked
  std::vector<Token> t_;
  size_t pos_ = 0;
  int line_;
  int end_column_;
  FaultPlan& plan_;
  Time* last_start_;
};

ParsedPlan Parse(std::string_view text, const std::vector<std::string>* hosts) {
  FaultPlan plan;
  Time last_start{0};
  // Lines are split at '\n'; the one-line form's ';' also ends a line but
  // keeps the line number (columns count from the start of the text line).
  int line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    ++line_no;
    size_t hash = line.find('#');
    if (hash != std::string_view::npos) line = line.substr(0, hash);
    size_t part = 0;
    while (part <= line.size()) {
      size_t semi = line.find(';', part);
      if (semi == std::string_view::npos) semi = line.size();
      std::string_view piece = line.substr(part, semi - part);
      auto tokens = Tokenize(piece, static_cast<int>(part) + 1);
      if (!tokens.empty()) {
        const int end_column = static_cast<int>(semi) + 1;
        LineParser parser(std::move(tokens), line_no, end_column, plan,
                          &last_start, hosts);
        if (auto e = parser.Parse()) return {std::nullopt, *e};
      }
      part = semi + 1;
    }
    pos = nl + 1;
  }
  return {std::move(plan), {}};
}

}  // namespace

ParsedPlan ParsePlan(std::string_view text) { return Parse(text, nullptr); }

ParsedPlan ParsePlan(std::string_view text,
                     const std::vector<std::string>& hosts) {
  ParsedPlan parsed = Parse(text, &hosts);
  // The names were checked as they were read; what only the whole world
  // shows (a link of a host to itself once its sets are resolved, a split
  // with a host on both sides) is FaultPlan::Check's, so that a plan read
  // with the world's hosts is one the world accepts.
  if (parsed.ok()) {
    if (auto e = parsed.plan->Check(hosts)) return {std::nullopt, *e};
  }
  return parsed;
}

}  // namespace simsock::faults
