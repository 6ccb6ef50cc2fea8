// The chat server and client of gopl.io/ch8/chat and gopl.io/ch8/netcat3,
// ported to simsock::net; see chat.h. The Go source is quoted beside the
// C++ where the port is line for line. What the port adds to the book's
// program, and why:
//   - an idle timer per connection (the book's exercise 8.13);
//   - a server that stops when its context is done: every task it started
//     ends and RunServer returns, so a test (or a simulated world) can run
//     it to completion; the book's server runs until killed and leaks the
//     goroutines of a departed client's reader, which a Runtime would
//     report as tasks that can never finish;
//   - the client's dial bounded by context.WithTimeout;
//   - clients held in arrival order where the book's map iterates in
//     random order (Go randomises map iteration; the simulator must not).
#include "examples/chat/chat.h"

#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <utility>

#include "simsock/net/io/bufio.h"
#include "simsock/net/runtime/select.h"
#include "simsock/net/runtime/timer.h"
#include "simsock/net/tcpsock.h"

namespace simsock::chat {

using net::Chan;
using net::Conn;
using net::Recv;
using net::Runtime;
using net::Select;
using net::Send;
using net::WaitGroup;
using net::context::Context;
using Nothing = std::monostate;

void StdoutLogger(const std::string& line) {
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

namespace {

// type client chan<- string // an outgoing message channel
// (with a number, the client's arrival order, for the broadcaster's map).
// A channel's values are default-constructed when it is closed, and a Chan
// has no nil value: hence the optional.
struct Client {
  uint64_t id = 0;
  std::optional<Chan<std::string>> out;
};

// The book's package-level channels, and what a clean stop needs: a
// channel closed when the broadcaster has returned.
//   entering = make(chan client)
//   leaving  = make(chan client)
//   messages = make(chan string) // all incoming client messages
struct Hub {
  explicit Hub(Runtime& rt)
      : entering(rt), leaving(rt), messages(rt), broadcaster_done(rt) {}
  Chan<Client> entering;
  Chan<Client> leaving;
  Chan<std::string> messages;
  Chan<Nothing> broadcaster_done;
  uint64_t next_client = 0;
};

// `ch <- v` that gives up when the server stops (the broadcaster, which
// receives these, is gone then). True if v was delivered.
template <typename T>
bool Tell(Runtime& rt, Chan<T> ch, T v, const Context& ctx) {
  return Select(rt, Send(ch, std::move(v)), Recv(ctx.Done())) == 0;
}

// func broadcaster() {
//   clients := make(map[client]bool) // all connected clients
//   for {
//     select {
//     case msg := <-messages:
//       // Broadcast incoming message to all
//       // clients' outgoing message channels.
//       for cli := range clients {
//         cli <- msg
//       }
//     case cli := <-entering:
//       clients[cli] = true
//     case cli := <-leaving:
//       delete(clients, cli)
//       close(cli)
//     }
//   }
// }
// Here the connection's own task closes its channel (after leaving, or
// after the broadcaster has returned), so that nothing is ever sent on a
// closed channel; the sends to clients always complete because each
// client's writer drains its channel until it is closed.
void Broadcaster(Runtime& rt, std::shared_ptr<Hub> hub, Context ctx) {
  std::map<uint64_t, Chan<std::string>> clients;  // by arrival
  for (bool stopped = false; !stopped;) {
    Select(rt,
           Recv(hub->messages,
                [&](std::string msg) {
                  for (auto& [id, cli] : clients) cli.Send(msg);
                }),
           Recv(hub->entering,
                [&](Client cli) { clients.emplace(cli.id, *cli.out); }),
           Recv(hub->leaving, [&](Client cli) { clients.erase(cli.id); }),
           Recv(ctx.Done(), [&] { stopped = true; }));
  }
  hub->broadcaster_done.Close();
}

// func clientWriter(conn net.Conn, ch <-chan string) {
//   for msg := range ch {
//     fmt.Fprintln(conn, msg) // NOTE: ignoring network errors
//   }
// }
// and then closes the connection: the last message is written before.
void ClientWriter(Conn conn, Chan<std::string> ch) {
  for (;;) {
    auto [msg, ok] = ch.Recv();
    if (!ok) break;
    msg += '\n';
    (void)conn.Write(msg);  // as the book: ignoring network errors
  }
  (void)conn.Close();
}

// func handleConn(conn net.Conn) {
//   ch := make(chan string) // outgoing client messages
//   go clientWriter(conn, ch)
//   who := conn.RemoteAddr().String()
//   ch <- "You are " + who
//   messages <- who + " has arrived"
//   entering <- ch
//   input := bufio.NewScanner(conn)
//   for input.Scan() {
//     messages <- who + ": " + input.Text()
//   }
//   // NOTE: ignoring potential errors from input.Err()
//   leaving <- ch
//   messages <- who + " has left"
//   conn.Close()
// }
// With exercise 8.13's idle timer the lines come from a reader task over
// a channel, so that one Select waits for a line, the timer and the
// server's stop.
void HandleConn(Runtime& rt, Conn conn, std::shared_ptr<Hub> hub, Context ctx,
                net::Duration idle_timeout) {
  Client cli{hub->next_client++, Chan<std::string>(rt)};
  WaitGroup helpers(rt);  // the writer and the reader
  helpers.Add(2);
  Chan<std::string> out = *cli.out;
  rt.Go([conn, out, helpers]() mutable {
    ClientWriter(conn, out);
    helpers.Done();
  });
  const std::string who = conn.RemoteAddr().String();
  out.Send("You are " + who);
  Tell(rt, hub->messages, who + " has arrived", ctx);
  Tell(rt, hub->entering, cli, ctx);

  Chan<std::string> lines(rt);
  Chan<Nothing> stop_reading(rt);
  rt.Go([&rt, conn, lines, stop_reading, helpers]() mutable {
    net::bufio::Scanner input(conn);
    while (input.Scan()) {
      if (Select(rt, Send(lines, input.Text()), Recv(stop_reading)) != 0) {
        break;
      }
    }
    lines.Close();  // NOTE: as the book, input.Err() is not reported
    helpers.Done();
  });

  net::Timer idle = net::NewTimer(rt, idle_timeout);
  for (bool more = true; more;) {
    Select(rt,
           Recv(lines,
                [&](std::string line, bool ok) {
                  if (!ok) {
                    more = false;  // the client closed, or the read failed
                    return;
                  }
                  Tell(rt, hub->messages, who + ": " + line, ctx);
                  idle.Reset(idle_timeout);
                }),
           Recv(idle.C,
                [&] {
                  Select(rt, Send(out, std::string(kIdleNotice)),
                         Recv(ctx.Done()));
                  more = false;
                }),
           Recv(ctx.Done(), [&] { more = false; }));
  }
  idle.Stop();
  if (ctx.Err()) {
    // The server stops: a writer stuck on a client that reads nothing
    // must not hold up the broadcaster (Go's SetWriteDeadline(
    // aLongTimeAgo) idiom).
    (void)conn.SetWriteDeadline(net::Now(rt).Add(net::Duration::min()));
  }
  if (Tell(rt, hub->leaving, cli, ctx)) {
    Tell(rt, hub->messages, who + " has left", ctx);
  } else {
    hub->broadcaster_done.Recv();  // it may still be sending to out
  }
  stop_reading.Close();
  out.Close();  // the writer writes what is queued, then closes conn
  helpers.Wait();
}

// Go's http.Server backs off on a failing Accept (EMFILE, ENFILE...) from
// 5 ms, doubling up to 1 s, instead of spinning.
net::Duration NextAcceptDelay(net::Duration d) {
  if (d == net::Duration::zero()) return 5 * net::kMillisecond;
  return std::min(2 * d, net::kSecond);
}

}  // namespace

// func main() {
//   listener, err := net.Listen("tcp", "localhost:8000")
//   if err != nil {
//     log.Fatal(err)
//   }
//   go broadcaster()
//   for {
//     conn, err := listener.Accept()
//     if err != nil {
//       log.Print(err)
//       continue
//     }
//     go handleConn(conn)
//   }
// }
net::Result<void> RunServer(Runtime& rt, const Context& ctx,
                            const ServerOptions& options) {
  auto listener = net::Listen(rt, "tcp", options.addr);
  if (!listener.ok()) {
    options.log(listener.error().ToString());
    return listener.error();
  }
  net::TCPListener l = *listener;
  if (options.on_listen) options.on_listen(l.Addr());
  // Accept returns (net.ErrClosed) once the server's context is done.
  auto stop_closing =
      net::context::AfterFunc(ctx, [l]() mutable { (void)l.Close(); });

  auto hub = std::make_shared<Hub>(rt);
  WaitGroup tasks(rt);  // the broadcaster and every connection
  tasks.Add(1);
  rt.Go([&rt, hub, ctx, tasks]() mutable {
    Broadcaster(rt, hub, ctx);
    tasks.Done();
  });
  net::Duration delay{};
  for (;;) {
    auto conn = l.Accept();
    if (!conn.ok()) {
      if (ctx.Err()) break;
      options.log(conn.error().ToString());
      delay = NextAcceptDelay(delay);
      rt.Sleep(delay);
      continue;
    }
    delay = {};
    tasks.Add(1);
    rt.Go([&rt, c = *conn, hub, ctx, idle = options.idle_timeout,
           tasks]() mutable {
      HandleConn(rt, c, hub, ctx, idle);
      tasks.Done();
    });
  }
  tasks.Wait();
  stop_closing();
  return {};
}

// func main() {
//   conn, err := net.Dial("tcp", "localhost:8000")   // here DialContext
//   if err != nil {
//     log.Fatal(err)
//   }
//   done := make(chan struct{})
//   go func() {
//     io.Copy(os.Stdout, conn) // NOTE: ignoring errors
//     log.Println("done")
//     done <- struct{}{} // signal the main goroutine
//   }()
//   mustCopy(conn, os.Stdin)
//   conn.(*net.TCPConn).CloseWrite()
//   <-done // wait for background goroutine to finish
// }
net::Result<void> RunClient(Runtime& rt, const ClientOptions& options) {
  auto [ctx, cancel] = net::context::WithTimeout(net::context::Background(rt),
                                                 options.dial_timeout);
  auto dialed = net::Dialer{}.DialContext(ctx, "tcp", options.addr);
  cancel();
  if (!dialed.ok()) return dialed.error();
  Conn conn = *dialed;

  Chan<Nothing> done(rt, 1);
  rt.Go([conn, done, on_line = options.on_line]() mutable {
    net::bufio::Scanner input(conn);
    while (input.Scan()) on_line(input.Text());
    done.Send({});
  });
  for (const std::string& line : options.lines) {
    rt.Sleep(options.interval);
    if (!conn.Write(line + "\n").ok()) break;
  }
  (void)net::TCPConn(conn).CloseWrite();
  if (Select(rt, Recv(done), Recv(net::After(rt, options.linger))) == 1) {
    (void)conn.Close();  // ends the reader's Scan
    done.Recv();
  }
  (void)conn.Close();
  return {};
}

}  // namespace simsock::chat
