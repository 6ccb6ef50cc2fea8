// Printing of TCP segment flags in tcpdump's notation.
#include "simsock/sim/tcp/segment.h"

namespace simsock::sim::tcp {

std::string FlagsToString(uint8_t flags) {
  // tcpdump prints the flags in the order of its tcp_flag_values table
  // (F, S, R, P, "." for ACK, then U), so FIN+PSH+ACK is "FP.", SYN+ACK
  // "S." and urgent data "P.U". A segment with no flag at all prints as
  // "none".
  std::string out;
  if (flags & kFin) out += 'F';
  if (flags & kSyn) out += 'S';
  if (flags & kRst) out += 'R';
  if (flags & kPsh) out += 'P';
  if (flags & kAck) out += '.';
  if (flags & kUrg) out += 'U';
  if (out.empty()) out = "none";
  return out;
}

}  // namespace simsock::sim::tcp
