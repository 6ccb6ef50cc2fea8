// The simulator backend of the differential tests: one World with one host
// (10.0.0.1, plus its loopback 127.0.0.0/8) and one process driven from the
// test. Compiled out with -DDIFF_LINUX_ONLY, or when the simulator's headers
// are not there yet; MakeSimBackend then returns nullptr.
#include "tests/diff/harness.h"

#if !defined(DIFF_LINUX_ONLY) &&                        \
    __has_include("sim/kernel/world.h") &&              \
                  __has_include("sim/kernel/host.h") && \
                                __has_include("sim/kernel/process.h")
#define DIFF_HAVE_SIM 1
#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/kernel/world.h"
#endif

namespace simsock::diff {

#ifdef DIFF_HAVE_SIM
namespace {

class SimBackend final : public Backend {
 public:
  explicit SimBackend(uint64_t seed)
      : seed_(seed),
        world_(seed),
        host_(world_.AddHost("host", "10.0.0.1")),
        proc_(host_.SpawnProcess()) {}
  sys::Syscalls& sys() override { return proc_; }
  void Settle() override { world_.RunFor(milliseconds(20)); }
  void Advance(nanoseconds d) override { world_.RunFor(d); }
  uint16_t FreePort() override { return next_port_++; }
  bool is_sim() const override { return true; }
  // The simulated process starts with 0, 1 and 2 open on the null device
  // (sim::Process), as the Linux test process has its standard fds.
  std::set<int> ForeignFds() const override { return {0, 1, 2}; }
  std::string Describe() const override {
    return "sim(seed=" + std::to_string(seed_) + ")";
  }

 private:
  uint64_t seed_;
  sim::World world_;
  sim::Host& host_;
  sim::Process& proc_;
  uint16_t next_port_ = 20000;
};

}  // namespace

std::unique_ptr<Backend> MakeSimBackend(uint64_t seed) {
  return std::make_unique<SimBackend>(seed);
}
#else
std::unique_ptr<Backend> MakeSimBackend(uint64_t) { return nullptr; }
#endif

}  // namespace simsock::diff
