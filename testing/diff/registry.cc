// The scenario registry that DIFF_SCENARIO fills at static
// initialisation.
#include <string>
#include <vector>

#include "simsock/testing/diff/harness.h"

namespace simsock::diff {

std::vector<Scenario>& Registry() {
  static std::vector<Scenario> registry;
  return registry;
}

bool Register(const char* name, const char* file, void (*body)(Script&)) {
  std::string f = file;
  auto slash = f.find_last_of('/');
  if (slash != std::string::npos) f = f.substr(slash + 1);
  Registry().push_back({name, f, body});
  return true;
}

}  // namespace simsock::diff
