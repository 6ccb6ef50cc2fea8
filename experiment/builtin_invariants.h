/// \file
/// The built-in "stream" invariant's ledger, for the run's taps
/// (RunContext::Tap) and for tests: StreamIntactInvariant() returns a
/// StreamInvariant, which reports what its ledger found.
#pragma once

#include "simsock/experiment/experiment.h"
#include "simsock/experiment/stream_ledger.h"

namespace simsock::experiment {

/// The built-in "stream" invariant (StreamIntactInvariant) with its ledger
/// exposed, so that taps can feed it.
class StreamInvariant : public Invariant {
 public:
  /// The ledger the run's taps feed and the checks read.
  virtual StreamLedger& ledger() = 0;
};

}  // namespace simsock::experiment
