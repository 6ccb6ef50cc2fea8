/// \file
/// simsock::net — Go's net package (and the bits of its runtime that net
/// code needs: tasks, channels, wait groups, timers) over sys::Syscalls.
/// Include this one header to port Go code; see docs/net.md.
#pragma once

#include "simsock/net/conn.h"                // IWYU pragma: export
#include "simsock/net/dial.h"                // IWYU pragma: export
#include "simsock/net/error.h"               // IWYU pragma: export
#include "simsock/net/ip.h"                  // IWYU pragma: export
#include "simsock/net/resolve.h"             // IWYU pragma: export
#include "simsock/net/runtime/chan.h"        // IWYU pragma: export
#include "simsock/net/runtime/runtime.h"     // IWYU pragma: export
#include "simsock/net/runtime/time.h"        // IWYU pragma: export
#include "simsock/net/runtime/wait_group.h"  // IWYU pragma: export
#include "simsock/net/tcpsock.h"             // IWYU pragma: export
#include "simsock/net/udpsock.h"             // IWYU pragma: export
