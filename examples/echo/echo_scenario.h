// The "echo" experiment scenario (docs/experiments.md): the seed's echo
// server and N clients (the world of echo_world.h, parameter
// clients=N, 20 by default), every program tapped. Its invariants, besides
// the built-in "deadlock" and "stream":
// - "reply": every reply a client reads is "hello, client";
// - "serving": while a partition cuts some clients off the server, the
//   others keep being served (EchoServingInvariant says exactly when).
#pragma once

#include "simsock/experiment/experiment.h"

namespace simsock::echo {

experiment::Scenario EchoScenario();

}  // namespace simsock::echo
