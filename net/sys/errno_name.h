// Names of Linux errno values ("ECONNREFUSED"), for traces, logs and test
// output. Shared by both backends' users; no state.
#pragma once

#include <string>

namespace simsock::sys {

// "EAGAIN" for EAGAIN; "E<n>" for a number without a name here.
std::string ErrnoName(int err);

// Renders a raw syscall result: "3" for success, "-ECONNREFUSED" for -111.
std::string ResultString(long result);

}  // namespace simsock::sys
