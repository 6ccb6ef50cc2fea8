/// \file
/// simsock::sim — the deterministic simulated kernel: a World of Hosts on a
/// simulated network, in virtual time; each Host's Processes implement
/// sys::Syscalls. Include this one header to build and drive a world; see
/// docs/design.md for the layers underneath.
#pragma once

#include "simsock/sim/faults/apply_plan.h"   // IWYU pragma: export
#include "simsock/sim/kernel/host.h"         // IWYU pragma: export
#include "simsock/sim/kernel/network.h"      // IWYU pragma: export
#include "simsock/sim/kernel/pcap_writer.h"  // IWYU pragma: export
#include "simsock/sim/kernel/process.h"      // IWYU pragma: export
#include "simsock/sim/kernel/trace.h"        // IWYU pragma: export
#include "simsock/sim/kernel/world.h"        // IWYU pragma: export
