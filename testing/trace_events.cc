#include "simsock/testing/trace_events.h"

#include <ostream>

namespace simsock::testing {

std::vector<const sim::TraceEvent*> FindEvents(
    const std::vector<sim::TraceEvent>& events, const TraceEventMatcher& m) {
  std::vector<const sim::TraceEvent*> found;
  for (const sim::TraceEvent& e : events)
    if (m.Matches(e)) found.push_back(&e);
  return found;
}

std::vector<sim::Time> EventTimes(const std::vector<sim::TraceEvent>& events,
                                  const TraceEventMatcher& m) {
  std::vector<sim::Time> times;
  for (const sim::TraceEvent* e : FindEvents(events, m))
    times.push_back(e->time);
  return times;
}

}  // namespace simsock::testing

namespace simsock::sim {

void PrintTo(const TraceEvent& e, std::ostream* os) {
  *os << "[" << Trace::FormatTime(e.time) << "] " << e.who << " " << e.text;
}

}  // namespace simsock::sim
