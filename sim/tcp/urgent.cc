// UrgentSender and UrgentReceiver (see urgent.h).
#include "simsock/sim/tcp/urgent.h"

namespace simsock::sim::tcp {

bool UrgentSender::PointerFor(SeqNum seq, uint16_t* ptr) const {
  if (!mode_ || !(seq < snd_up_) || snd_up_ - seq > 0xFFFF) return false;
  *ptr = static_cast<uint16_t>(snd_up_ - seq);
  return true;
}

bool UrgentReceiver::OnPointer(int64_t off, uint64_t rcv_off, uint64_t copied,
                               bool oob_inline) {
  const bool newer =
      off >= static_cast<int64_t>(rcv_off) &&
      (state_ == State::kNone || static_cast<uint64_t>(off) > off_);
  if (!newer) return false;
  const bool drop_old = state_ != State::kNone && off_ == copied &&
                        !oob_inline && copied != rcv_off;
  state_ = State::kNotYet;
  off_ = static_cast<uint64_t>(off);
  return drop_old;
}

void UrgentReceiver::OnPayload(int64_t seg_off,
                               const std::vector<uint8_t>& payload) {
  if (state_ != State::kNotYet) return;
  const int64_t at = static_cast<int64_t>(off_) - seg_off;
  if (at >= 0 && at < static_cast<int64_t>(payload.size())) {
    state_ = State::kValid;
    byte_ = payload[static_cast<size_t>(at)];
  }
}

}  // namespace simsock::sim::tcp
