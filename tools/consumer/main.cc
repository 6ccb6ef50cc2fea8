// A project outside the tree, built against the installed package exactly
// as README.md says: find_package(simsock), link simsock::net, simsock::sim
// and simsock::sys. One Go-style server and client, written once against
// simsock::net, run on the real kernel over 127.0.0.1 and on two hosts of
// a simulated world.
#include <simsock/net/net.h>
#include <simsock/net/sys/linux_syscalls.h>
#include <simsock/sim/sim.h>

#include <chrono>
#include <cstdio>
#include <string>

namespace net = simsock::net;

// Go: ln, _ := net.Listen("tcp", addr); go func() { c, _ := ln.Accept();
// n, _ := c.Read(buf); c.Write(buf[:n]); c.Close() }()
net::Result<net::TCPListener> ServeOnce(net::Runtime& rt,
                                        const std::string& addr) {
  auto ln = net::Listen(rt, "tcp", addr);
  if (!ln.ok()) return ln;
  rt.Go([listener = *ln]() mutable {
    auto c = listener.Accept();
    if (!c.ok()) return;
    char buf[64];
    if (auto n = c->Read(buf, sizeof buf); n.ok()) (void)c->Write(buf, *n);
    (void)c->Close();
    (void)listener.Close();
  });
  return ln;
}

// Go: c, _ := net.Dial("tcp", addr); c.Write("ping"); c.Read(buf)
std::string Ask(net::Runtime& rt, const std::string& addr) {
  auto conn = net::Dial(rt, "tcp", addr);
  if (!conn.ok()) return "dial: " + conn.error().ToString();
  if (auto w = conn->Write("ping"); !w.ok())
    return "write: " + w.error().ToString();
  char buf[64];
  auto n = conn->Read(buf, sizeof buf);
  (void)conn->Close();
  if (!n.ok()) return "read: " + n.error().ToString();
  return std::string(buf, *n);
}

int main() {
  // The real kernel, over loopback: both ends in one runtime.
  std::string real;
  {
    simsock::sys::LinuxSyscalls sys;
    net::Runtime rt(sys);
    rt.Go([&rt, &real] {
      auto ln = ServeOnce(rt, "127.0.0.1:0");
      if (!ln.ok()) {
        real = "listen: " + ln.error().ToString();
        return;
      }
      real = Ask(rt, "127.0.0.1:" + std::to_string(ln->Addr().port()));
    });
    rt.Run();
  }
  // The simulated kernel: the server on host "server", the client on host
  // "client" dialling it by name; virtual time, no wall time.
  std::string simulated;
  {
    simsock::sim::World world(7);
    simsock::sim::Host& server = world.AddHost("server", "10.0.0.1");
    simsock::sim::Host& client = world.AddHost("client", "10.0.0.2");
    simsock::sim::Process& sp = server.SpawnProcess();
    sp.Spawn(
        [&sp] {
          net::Runtime rt(sp);
          rt.Go([&rt] { (void)ServeOnce(rt, ":7000"); });
          rt.Run();
        },
        "server");
    simsock::sim::Process& cp = client.SpawnProcess();
    cp.Spawn(
        [&cp, &simulated] {
          net::Runtime rt(cp);
          rt.Go([&rt, &simulated] { simulated = Ask(rt, "server:7000"); });
          rt.Run();
        },
        "client");
    world.RunFor(std::chrono::seconds(5));
  }
  std::printf("consumer: real kernel: %s; simulated: %s\n", real.c_str(),
              simulated.c_str());
  return real == "ping" && simulated == "ping" ? 0 : 1;
}
