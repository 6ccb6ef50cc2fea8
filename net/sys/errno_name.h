// Names of Linux errno values ("ECONNREFUSED"), for traces, logs and test
// output. Shared by both backends' users; no state.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>

namespace simsock::sys {

// "EAGAIN" for EAGAIN; "E<n>" for a number without a name here.
std::string ErrnoName(int err);

// Renders a raw syscall result: "3" for success, "-ECONNREFUSED" for -111.
std::string ResultString(long result);

// Renders a bit set as "A|B|<rest in decimal>", "0" when empty, naming the
// bits in the order given.
std::string FlagNames(
    uint64_t bits,
    std::initializer_list<std::pair<uint64_t, const char*>> names);

// "IN|OUT|RDHUP" for an epoll event mask (IN, PRI, OUT, ERR, HUP, RDHUP,
// ET, ONESHOT named).
std::string EpollEventsName(uint32_t events);

}  // namespace simsock::sys
