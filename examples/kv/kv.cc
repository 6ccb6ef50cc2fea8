#include "examples/kv/kv.h"

#include <map>
#include <memory>
#include <optional>
#include <vector>

namespace simsock::kv {

namespace {

// Reads '\n'-terminated lines from a connection.
class LineReader {
 public:
  explicit LineReader(net::Conn& conn) : conn_(conn) {}
  // The next line without its '\n', or the read's error.
  net::Result<std::string> Next() {
    for (;;) {
      if (const size_t nl = buffer_.find('\n'); nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return line;
      }
      if (buffer_.size() > 4096) {  // no request is this long
        return net::Error::New("kv: line too long");
      }
      char chunk[512];
      auto n = conn_.Read(chunk, sizeof chunk);
      if (!n.ok()) return n.error();
      buffer_.append(chunk, *n);
    }
  }

 private:
  net::Conn& conn_;
  std::string buffer_;
};

// "PUT k v" -> {"PUT", "k", "v"}.
std::vector<std::string> Words(const std::string& line) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < line.size()) {
    const size_t sp = line.find(' ', i);
    out.push_back(line.substr(i, sp == std::string::npos ? sp : sp - i));
    if (sp == std::string::npos) break;
    i = sp + 1;
  }
  return out;
}

// Sends one PUT to the backup on a fresh connection and waits for its OK.
bool Replicate(net::Runtime& rt, const PrimaryOptions& o,
               const std::string& line) {
  auto conn = net::DialTimeout(rt, "tcp4", o.backup, o.replicate_timeout);
  if (!conn.ok()) return false;
  struct Closer {
    net::Conn& c;
    ~Closer() { (void)c.Close(); }
  } closer{*conn};
  (void)conn->SetDeadline(net::Now(rt).Add(o.replicate_timeout));
  if (!conn->Write(line + "\n").ok()) return false;
  LineReader reader(*conn);
  auto ack = reader.Next();
  return ack.ok() && *ack == "OK";
}

void ServeClient(net::Runtime& rt, net::Conn conn, const PrimaryOptions& o,
                 std::shared_ptr<std::map<std::string, std::string>> store) {
  LineReader reader(conn);
  for (;;) {
    (void)conn.SetReadDeadline(net::Now(rt).Add(o.idle_timeout));
    auto line = reader.Next();
    if (!line.ok()) break;
    const std::vector<std::string> w = Words(*line);
    std::string answer;
    if (w.size() == 3 && w[0] == "PUT") {
      // Copied to the backup first; if it cannot be, no answer at all:
      // the client is trusted to time out and retry.
      if (!Replicate(rt, o, *line)) continue;
      (*store)[w[1]] = w[2];
      answer = "OK";
    } else if (w.size() == 2 && w[0] == "GET") {
      auto it = store->find(w[1]);
      answer = it == store->end() ? "NOTFOUND" : "VALUE " + it->second;
    } else {
      answer = "ERROR bad request";
    }
    if (!conn.Write(answer + "\n").ok()) break;
  }
  (void)conn.Close();
}

}  // namespace

net::Result<void> RunPrimary(net::Runtime& rt, const PrimaryOptions& options) {
  auto listener = net::Listen(rt, "tcp4", options.listen);
  if (!listener.ok()) return listener.error();
  auto store = std::make_shared<std::map<std::string, std::string>>();
  for (;;) {
    auto conn = listener->Accept();
    if (!conn.ok()) {
      rt.Sleep(10 * net::kMillisecond);  // EMFILE and the like: back off
      continue;
    }
    rt.Go([&rt, c = net::Conn(*conn), &options, store] {
      ServeClient(rt, c, options, store);
    });
  }
}

net::Result<void> RunBackup(net::Runtime& rt, const BackupOptions& options) {
  auto listener = net::Listen(rt, "tcp4", options.listen);
  if (!listener.ok()) return listener.error();
  auto store = std::make_shared<std::map<std::string, std::string>>();
  for (;;) {
    auto conn = listener->Accept();
    if (!conn.ok()) {
      rt.Sleep(10 * net::kMillisecond);
      continue;
    }
    rt.Go([&rt, &options, c = net::Conn(*conn), store]() mutable {
      LineReader reader(c);
      for (;;) {
        (void)c.SetReadDeadline(net::Now(rt).Add(options.idle_timeout));
        auto line = reader.Next();
        if (!line.ok()) break;
        const std::vector<std::string> w = Words(*line);
        if (w.size() == 3 && w[0] == "PUT") (*store)[w[1]] = w[2];
        if (!c.Write("OK\n").ok()) break;
      }
      (void)c.Close();
    });
  }
}

net::Result<void> RunClient(net::Runtime& rt, const ClientOptions& options) {
  std::optional<net::Conn> conn;
  std::optional<LineReader> reader;
  int failures = 0;
  // One request, answered: retried on a new connection after an error or
  // (with a read deadline) a missing answer.
  auto request = [&](const std::string& line) -> net::Result<std::string> {
    for (;;) {
      if (!conn) {
        auto c = net::DialTimeout(rt, "tcp4", options.server, 5 * net::kSecond);
        if (!c.ok()) {
          if (++failures > 1000) return c.error();
          rt.Sleep(options.interval);
          continue;
        }
        conn.emplace(*c);
        reader.emplace(*conn);
      }
      if (options.read_deadline > net::Duration(0)) {
        (void)conn->SetReadDeadline(net::Now(rt).Add(options.read_deadline));
      }
      net::Result<std::string> answer = net::Error::New("kv: not sent");
      if (conn->Write(line + "\n").ok()) answer = reader->Next();
      if (answer.ok()) {
        if (options.on_answer) options.on_answer();
        return answer;
      }
      (void)conn->Close();
      reader.reset();
      conn.reset();
      if (++failures > 1000) return answer.error();
      if (options.on_retry) options.on_retry();
    }
  };
  for (int i = 0; i < options.requests; ++i) {
    const std::string key = options.name + "-" + std::to_string(i);
    const std::string value = "v" + std::to_string(i);
    auto put = request("PUT " + key + " " + value);
    if (!put.ok()) return put.error();
    if (*put != "OK" && options.on_wrong) {
      options.on_wrong("PUT " + key + " answered \"" + *put + "\"");
    }
    auto get = request("GET " + key);
    if (!get.ok()) return get.error();
    if (*get != "VALUE " + value && options.on_wrong) {
      options.on_wrong("GET " + key + " answered \"" + *get +
                       "\", not \"VALUE " + value + "\"");
    }
    rt.Sleep(options.interval);
  }
  if (conn) (void)conn->Close();
  return {};
}

}  // namespace simsock::kv
