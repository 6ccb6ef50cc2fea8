// libFuzzer target for the fault plan reader (docs/faults.md): any text
// either parses or gets a positioned error; never a crash, a hang or a
// leak. A plan that parses prints back to text that parses to the same
// plan, and checking it against hosts or drawing its random events is
// safe.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "simsock/faults/fault_plan.h"

namespace {

void Require(bool ok, const char* what) {
  if (!ok) {
    __builtin_printf("plan_fuzzer: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace simsock::faults;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::vector<std::string> hosts = {"a", "b", "server", "client1"};
  ParsedPlan parsed = ParsePlan(text);
  ParsedPlan checked = ParsePlan(text, hosts);
  if (!parsed.ok()) {
    Require(parsed.error.line >= 1 && parsed.error.column >= 1,
            "an error without a position");
    Require(!checked.ok(), "parses with hosts but not without");
    return 0;
  }
  const FaultPlan& plan = *parsed.plan;
  const std::string printed = plan.ToText();
  ParsedPlan again = ParsePlan(printed);
  Require(again.ok(), "the printed plan does not parse");
  Require(*again.plan == plan, "the printed plan reads as another plan");
  Require(again.plan->ToText() == printed, "printing is not stable");
  if (checked.ok()) Require(!plan.Check(hosts), "Check refuses a checked plan");
  (void)plan.Check(hosts);
  if (plan.random && plan.random->faults <= 1000) {
    FaultPlan drawn = plan.Draw(size, hosts);
    Require(!drawn.random, "a drawn plan keeps its budget");
    ParsedPlan read = ParsePlan(drawn.ToText());
    Require(read.ok() && *read.plan == drawn,
            "a drawn plan does not round trip");
  }
  return 0;
}
