// chat_client [--addr HOST:PORT] [--interval-ms N] [--linger-ms N] LINE...:
// the chat client on the real kernel. Sends each LINE (one per interval),
// prints every line the server sends, half-closes after the last and exits
// when the server is done with it (or after the linger time). Exits 1 if
// the dial fails.
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "examples/chat/chat.h"
#include "simsock/net/sys/linux_syscalls.h"

int main(int argc, char** argv) {
  simsock::chat::ClientOptions options;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--addr") == 0 && i + 1 < argc) {
      options.addr = argv[++i];
    } else if (std::strcmp(argv[i], "--interval-ms") == 0 && i + 1 < argc) {
      options.interval = std::atoll(argv[++i]) * simsock::net::kMillisecond;
    } else if (std::strcmp(argv[i], "--linger-ms") == 0 && i + 1 < argc) {
      options.linger = std::atoll(argv[++i]) * simsock::net::kMillisecond;
    } else if (argv[i][0] == '-') {
      std::fprintf(stderr,
                   "usage: %s [--addr HOST:PORT] [--interval-ms N] "
                   "[--linger-ms N] LINE...\n",
                   argv[0]);
      return 2;
    } else {
      options.lines.emplace_back(argv[i]);
    }
  }
  simsock::sys::LinuxSyscalls sys;
  simsock::net::Runtime rt(sys);
  int status = 0;
  rt.Go([&] {
    auto r = simsock::chat::RunClient(rt, options);
    if (!r.ok()) {
      std::fprintf(stderr, "%s\n", r.error().ToString().c_str());
      status = 1;
    }
  });
  rt.Run();
  return status;
}
