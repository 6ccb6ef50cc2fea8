#include "examples/scenarios/builtin_scenarios.h"

#include "examples/echo/echo_programs.h"
#include "examples/echo/echo_scenario.h"
#include "examples/kv/kv_scenario.h"
#include "simsock/experiment/experiment.h"

namespace simsock::scenarios {

void RegisterBuiltinScenarios() {
  // Register aborts on a duplicate name: a second call must not reach it.
  if (experiment::Find("echo") != nullptr) return;
  echo::RegisterEchoPrograms();  // for simsock exec's world files
  experiment::Register(echo::EchoScenario());
  experiment::Register(kv::KvScenario(/*fixed=*/false));
  experiment::Register(kv::KvScenario(/*fixed=*/true));
}

}  // namespace simsock::scenarios
