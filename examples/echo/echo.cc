// The seed's server and client: see echo.h. Each Go line is kept, in
// order, with its Go text in a comment where the port is not obvious.
#include "examples/echo/echo.h"

#include <iostream>
#include <vector>

namespace simsock::echo {

using net::Chan;
using net::Error;
using net::Result;
using net::Runtime;

void StdoutLogger(const std::string& line) { std::cout << line << std::endl; }

namespace {

// func handleClient(conn net.Conn, result chan<- error)
void HandleClient(Runtime& rt, net::TCPConn conn, Chan<Error> result,
                  const ServerOptions& options) {
  const Logger& log = options.log;
  // conn.SetReadDeadline(time.Now().Add(2 * time.Minute))
  (void)conn.SetReadDeadline(net::Now(rt).Add(options.read_deadline));
  // defer conn.Close()
  struct Closer {
    net::TCPConn& conn;
    ~Closer() { (void)conn.Close(); }
  } closer{conn};
  // request := make([]byte, 256): the bounded read, the seed's flood guard.
  std::vector<char> request(256);

  for (;;) {
    if (options.renew_deadline_per_read)
      (void)conn.SetReadDeadline(net::Now(rt).Add(options.read_deadline));
    auto n = conn.Read(request);
    if (!n.ok()) {
      // fmt.Println("Error: ", err) prints two spaces: Println separates
      // its operands with one.
      log("Error:  " + n.error().ToString());
      result.Send(n.error());
      break;
    }

    // fmt.Println(string(request)) (the bytes read; Go prints the NULs of
    // the rest of the buffer too).
    log(std::string(request.data(), *n));

    if (auto w = conn.Write("hello, client"); !w.ok()) {
      log("Warning:  " + w.error().ToString());
      result.Send(w.error());
      break;
    }

    request.assign(256, 0);  // request = make([]byte, 256)
  }
}

// func handleResult(result chan error)
void HandleResult(Chan<Error> result, const Logger& log) {
  for (;;) {  // for err := range result
    auto [err, ok] = result.Recv();
    if (!ok) break;
    log(err.ToString());
  }
}

}  // namespace

Result<void> RunServer(Runtime& rt, const ServerOptions& options) {
  const Logger& log = options.log;
  auto tcp_addr = net::ResolveTCPAddr(rt, "tcp4", options.addr);
  if (!tcp_addr.ok()) {
    log(tcp_addr.error().ToString());
    return tcp_addr.error();
  }

  auto listener = net::ListenTCP(rt, "tcp4", *tcp_addr);
  if (!listener.ok()) {  // (the seed ignores this error)
    log(listener.error().ToString());
    return listener.error();
  }
  if (options.on_listen) options.on_listen(listener->Addr());
  Chan<Error> result(rt);  // result := make(chan error)
  rt.Go([result, log] { HandleResult(result, log); });  // go handleResult

  for (;;) {
    auto conn = listener->Accept();
    if (!conn.ok()) {
      log(conn.error().ToString());
      // The seed goes on to serve a nil conn (a Go panic); skip it, and
      // back off a little so a persistent error (EMFILE) does not spin.
      rt.Sleep(10 * net::kMillisecond);
      continue;
    }

    // go handleClient(conn, result)
    rt.Go([&rt, c = *conn, result, &options] {
      HandleClient(rt, c, result, options);
    });
  }
}

Result<void> RunClient(Runtime& rt, const ClientOptions& options) {
  const Logger& log = options.log;
  auto tcp_addr = net::ResolveTCPAddr(rt, "tcp4", options.addr);
  if (!tcp_addr.ok()) {
    log(tcp_addr.error().ToString());
    return tcp_addr.error();
  }

  // tcpConn, err := net.DialTCP("tcp4", nil, tcpAddr)
  auto tcp_conn = net::DialTCP(rt, "tcp4", nullptr, *tcp_addr);
  if (!tcp_conn.ok()) {
    log(tcp_conn.error().ToString());
    return tcp_conn.error();
  }
  // defer tcpConn.Close()
  struct Closer {
    net::TCPConn& conn;
    ~Closer() { (void)conn.Close(); }
  } closer{*tcp_conn};

  for (int i = 0; options.count == 0 || i < options.count; ++i) {
    if (auto w = tcp_conn->Write("hello, server"); !w.ok()) {
      log("Error:  " + w.error().ToString());
      return w.error();
    }

    std::vector<char> reply(256);  // reply := make([]byte, 256)
    auto n = tcp_conn->Read(reply);
    if (!n.ok()) {
      log("Error:  " + n.error().ToString());
      return n.error();
    }
    log(std::string(reply.data(), *n));  // (not in the seed: shows progress)
    if (options.on_reply) options.on_reply(std::string_view(reply.data(), *n));

    if (options.count != 0 && i + 1 == options.count) break;
    rt.Sleep(options.interval);  // time.Sleep(30 * time.Second)
  }
  return {};
}

}  // namespace simsock::echo
