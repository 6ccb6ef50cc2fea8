// Debian's redis-server, redis-benchmark and memcached for the acceptance
// runs of `simsock exec`: tools/install_servers.sh unpacks the packages
// into the build tree (not installed: that would start system services).
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace simsock::exec_test {

/// The unpacked servers' bin/ directory, installed on the first call (a
/// failure of the script is a test failure, with its output, and "").
inline const std::string& ServersBin() {
  static const std::string bin = [] {
    const std::string cmd =
        "bash " SIMSOCK_SOURCE_DIR
        "/tools/install_servers.sh " SIMSOCK_SERVERS_DIR " 2>&1";
    FILE* p = ::popen(cmd.c_str(), "r");
    if (p == nullptr) return std::string();
    std::string out;
    char buf[512];
    while (std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
    if (::pclose(p) != 0) {
      ADD_FAILURE() << "tools/install_servers.sh failed:\n" << out;
      return std::string();
    }
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) {
      out.pop_back();
    }
    const size_t nl = out.rfind('\n');  // its last line is the directory
    return nl == std::string::npos ? out : out.substr(nl + 1);
  }();
  return bin;
}

}  // namespace simsock::exec_test
