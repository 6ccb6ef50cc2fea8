// chat_server [--addr HOST:PORT] [--idle-ms N]: the chat server on the real
// kernel. Serves until killed; talk to it with chat_client or nc.
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "examples/chat/chat.h"
#include "simsock/net/sys/linux_syscalls.h"

int main(int argc, char** argv) {
  simsock::chat::ServerOptions options;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--addr") == 0 && i + 1 < argc) {
      options.addr = argv[++i];
    } else if (std::strcmp(argv[i], "--idle-ms") == 0 && i + 1 < argc) {
      options.idle_timeout = std::atoll(argv[++i]) * simsock::net::kMillisecond;
    } else {
      std::fprintf(stderr, "usage: %s [--addr HOST:PORT] [--idle-ms N]\n",
                   argv[0]);
      return 2;
    }
  }
  options.on_listen = [](const simsock::net::Addr& a) {
    std::printf("listening on %s\n", a.String().c_str());
    std::fflush(stdout);
  };
  simsock::sys::LinuxSyscalls sys;
  simsock::net::Runtime rt(sys);
  int status = 0;
  rt.Go([&] {
    auto ctx = simsock::net::context::Background(rt);  // until killed
    if (!simsock::chat::RunServer(rt, ctx, options).ok()) status = 1;
  });
  rt.Run();
  return status;
}
