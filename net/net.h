// simsock::net — Go's net package (and the bits of its runtime that net
// code needs: tasks, channels, wait groups, timers) over sys::Syscalls.
// Include this one header to port Go code; see docs/net.md.
#pragma once

#include "net/conn.h"                // IWYU pragma: export
#include "net/dial.h"                // IWYU pragma: export
#include "net/error.h"               // IWYU pragma: export
#include "net/ip.h"                  // IWYU pragma: export
#include "net/resolve.h"             // IWYU pragma: export
#include "net/runtime/chan.h"        // IWYU pragma: export
#include "net/runtime/runtime.h"     // IWYU pragma: export
#include "net/runtime/time.h"        // IWYU pragma: export
#include "net/runtime/wait_group.h"  // IWYU pragma: export
#include "net/tcpsock.h"             // IWYU pragma: export
#include "net/udpsock.h"             // IWYU pragma: export
