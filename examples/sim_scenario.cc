// sim_scenario: the main job until the net layer lands. A server host and a
// few client hosts talk through the simulated kernel with nonblocking
// sockets and epoll, written only against sys::Syscalls. One client also
// dials a port nobody listens on and is refused. Prints the readable trace
// and a summary; the same seed prints the same bytes.
//
//   sim_scenario [--seed N] [--clients N] [--quiet]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "simsock/net/sys/names.h"
#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/kernel/world.h"

namespace {

using simsock::sim::Host;
using simsock::sim::Process;
using simsock::sim::World;
using simsock::sys::ResultString;

constexpr uint16_t kPort = 6445;

sockaddr_in Addr(const char* ip, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, ip, &a.sin_addr);
  return a;
}

struct Client {
  Process* proc = nullptr;
  int fd = -1;
  int epfd = -1;
  bool sent = false;
  std::string reply;
  std::string outcome;
};

}  // namespace

int main(int argc, char** argv) {
  uint64_t seed = 1;
  int clients = 3;
  bool quiet = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--seed" && i + 1 < argc) {
      seed = std::strtoull(argv[++i], nullptr, 10);
    } else if (a == "--clients" && i + 1 < argc) {
      clients = std::atoi(argv[++i]);
    } else if (a == "--quiet") {
      quiet = true;
    } else {
      std::cerr << "usage: sim_scenario [--seed N] [--clients N] [--quiet]\n";
      return 2;
    }
  }
  if (clients < 1 || clients > 200) {
    std::cerr << "--clients must be in 1..200\n";
    return 2;
  }

  World world(seed);
  if (!quiet) world.trace().SetSink(&std::cout);
  Host& server_host = world.AddHost("server", "10.0.0.1");
  Process& server = server_host.SpawnProcess();

  int lfd = server.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  server.setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in any = Addr("0.0.0.0", kPort);
  server.bind(lfd, reinterpret_cast<sockaddr*>(&any), sizeof any);
  server.listen(lfd, 16);
  int sep = server.epoll_create1(0);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = lfd;
  server.epoll_ctl(sep, EPOLL_CTL_ADD, lfd, &ev);

  std::vector<Client> cs(clients);
  for (int i = 0; i < clients; ++i) {
    std::string ip = "10.0.1." + std::to_string(i + 1);
    Host& h = world.AddHost("client" + std::to_string(i + 1), ip);
    world.network().SetLatency(h, server_host,
                               std::chrono::microseconds(200 * (i + 1)));
    Client& c = cs[i];
    c.proc = &h.SpawnProcess();
    c.fd = c.proc->socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    // The last client dials a port with no listener.
    sockaddr_in to =
        Addr("10.0.0.1", i == clients - 1 && clients > 1 ? kPort + 1 : kPort);
    c.proc->connect(c.fd, reinterpret_cast<sockaddr*>(&to), sizeof to);
    c.epfd = c.proc->epoll_create1(0);
    epoll_event cev{};
    cev.events = EPOLLIN | EPOLLOUT;
    c.proc->epoll_ctl(c.epfd, EPOLL_CTL_ADD, c.fd, &cev);
  }

  std::map<int, std::string> served;  // server-side fd -> what it received
  int accepted = 0;
  // Bounded: at most 200 steps, each to the next event (so every poll
  // below has something new to see), at most 1 s of virtual time each.
  for (int step = 0; step < 200; ++step) {
    simsock::sim::Time next = world.NextEventTime();
    if (next == simsock::sim::kNever) break;
    world.RunFor(std::min<simsock::sim::Duration>(next - world.Now(),
                                                  std::chrono::seconds(1)));
    epoll_event evs[16];
    int n = server.epoll_wait(sep, evs, 16, 0);
    for (int k = 0; k < n; ++k) {
      int fd = evs[k].data.fd;
      if (fd == lfd) {
        int cfd;
        while ((cfd = server.accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK)) >=
               0) {
          ++accepted;
          epoll_event cev{};
          cev.events = EPOLLIN | EPOLLRDHUP;
          cev.data.fd = cfd;
          server.epoll_ctl(sep, EPOLL_CTL_ADD, cfd, &cev);
        }
        continue;
      }
      char buf[256];
      ssize_t r = server.read(fd, buf, sizeof buf);
      if (r > 0) {
        served[fd].append(buf, static_cast<size_t>(r));
        const char reply[] = "hello, client";
        server.write(fd, reply, sizeof reply - 1);
      } else if (r == 0) {
        server.close(fd);
      }
    }
    for (Client& c : cs) {
      if (!c.outcome.empty()) continue;
      epoll_event cev[1];
      if (c.proc->epoll_wait(c.epfd, cev, 1, 0) <= 0) continue;
      if (cev[0].events & EPOLLERR) {
        int err = 0;
        socklen_t len = sizeof err;
        c.proc->getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
        c.outcome = "connect failed: " + ResultString(-err);
        c.proc->close(c.fd);
        continue;
      }
      if (!c.sent && (cev[0].events & EPOLLOUT)) {
        const char msg[] = "hello, server";
        c.proc->write(c.fd, msg, sizeof msg - 1);
        c.sent = true;
        epoll_event mod{};
        mod.events = EPOLLIN;
        c.proc->epoll_ctl(c.epfd, EPOLL_CTL_MOD, c.fd, &mod);
      }
      if (cev[0].events & EPOLLIN) {
        char buf[256];
        ssize_t r = c.proc->read(c.fd, buf, sizeof buf);
        if (r > 0) {
          c.reply.assign(buf, static_cast<size_t>(r));
          c.outcome = "got \"" + c.reply + "\"";
          c.proc->close(c.fd);
        }
      }
    }
  }
  // Let the closes and TIME_WAITs play out.
  world.RunFor(std::chrono::seconds(61));
  server.close(lfd);

  std::printf("\n== summary (seed %llu) ==\n",
              static_cast<unsigned long long>(seed));
  std::printf(
      "virtual time: %s s, packets: %llu, trace lines: %llu, "
      "trace hash: %016llx\n",
      simsock::sim::Trace::FormatTime(world.Now()).c_str(),
      static_cast<unsigned long long>(world.network().packets_sent()),
      static_cast<unsigned long long>(world.trace().line_count()),
      static_cast<unsigned long long>(world.trace().hash()));
  std::printf("server accepted %d connection(s)\n", accepted);
  for (size_t i = 0; i < cs.size(); ++i)
    std::printf("client%zu: %s\n", i + 1,
                cs[i].outcome.empty() ? "no outcome" : cs[i].outcome.c_str());
  return 0;
}
