#include "simsock/experiment/stream_ledger.h"

#include <algorithm>
#include <cstring>

#include "simsock/sim/inet/packet.h"

namespace simsock::experiment {

namespace {

std::string EndpointText(sim::Endpoint e) {
  return sim::IpToString(e.ip) + ":" + std::to_string(e.port);
}

// Up to 16 bytes from `data`, printable, for a violation message.
std::string Preview(const uint8_t* data, size_t n) {
  std::string out = "\"";
  for (size_t i = 0; i < n && i < 16; ++i) {
    const char c = static_cast<char>(data[i]);
    out += (c >= 0x20 && c < 0x7f) ? c : '.';
  }
  return out + (n > 16 ? "...\"" : "\"");
}

}  // namespace

void StreamLedger::Register(const std::shared_ptr<sim::File>& file,
                            sim::Endpoint local, sim::Endpoint remote) {
  if (Registered(file.get())) return;
  // Forget sockets that are gone, now and then, so the table stays as
  // large as the live sockets (erasing reaches no behaviour: the order of
  // a map by address is never iterated for anything else).
  if (sockets_.size() >= 1024 && (sockets_.size() & 1023) == 0) {
    std::erase_if(sockets_,
                  [](const auto& kv) { return kv.second.file.expired(); });
  }
  const bool low = local < remote;
  const int end = low ? 0 : 1;
  const Tuple key = low ? Tuple{local.ip, local.port, remote.ip, remote.port}
                        : Tuple{remote.ip, remote.port, local.ip, local.port};
  std::shared_ptr<Connection>& latest = latest_[key];
  if (latest == nullptr || latest->seen[end]) {
    latest = std::make_shared<Connection>();
    latest->name = EndpointText(low ? local : remote) + " <-> " +
                   EndpointText(low ? remote : local);
    ++connections_;
  }
  latest->end[end] = file;
  latest->seen[end] = true;
  sockets_[file.get()] = SocketEntry{file, latest, end};
}

bool StreamLedger::Registered(const sim::File* file) const {
  auto it = sockets_.find(file);
  return it != sockets_.end() && !it->second.file.expired();
}

StreamLedger::SocketEntry* StreamLedger::Find(const sim::File* file) {
  auto it = sockets_.find(file);
  if (it == sockets_.end() || it->second.file.expired()) return nullptr;
  return &it->second;
}

void StreamLedger::Wrote(const sim::File* file, const uint8_t* data, size_t n) {
  SocketEntry* s = Find(file);
  if (s == nullptr || n == 0) return;
  Connection& c = *s->conn;
  const int peer = 1 - s->end;
  Direction& d = c.dir[s->end];
  if (!d.checked) return;
  // The reader is gone: what is written now is never read.
  if (c.seen[peer] && c.end[peer].expired()) {
    d.pending.clear();
    d.head = 0;
    return;
  }
  if (!c.seen[peer] && d.pending.size() - d.head + n > kUnpairedLimit) {
    d.checked = false;  // no tapped reader: nothing to compare with
    d.pending.clear();
    d.head = 0;
    return;
  }
  d.pending.append(reinterpret_cast<const char*>(data), n);
}

void StreamLedger::Read(const sim::File* file, const uint8_t* data, size_t n) {
  SocketEntry* s = Find(file);
  if (s == nullptr || n == 0) return;
  Connection& c = *s->conn;
  const int peer = 1 - s->end;
  Direction& d = c.dir[peer];
  if (!d.checked) return;
  if (!c.seen[peer]) {
    // The writer is not tapped (its first write would have registered
    // it): these bytes cannot be compared.
    d.checked = false;
    return;
  }
  const size_t have = d.pending.size() - d.head;
  if (n > have) {
    Violate(c, peer,
            "read " + std::to_string(n) + " bytes at offset " +
                std::to_string(d.read) + " but the peer wrote only " +
                std::to_string(have) + " more");
    return;
  }
  if (data != nullptr && std::memcmp(d.pending.data() + d.head, data, n) != 0) {
    size_t at = 0;
    while (at < n && static_cast<uint8_t>(d.pending[d.head + at]) == data[at])
      ++at;
    Violate(c, peer,
            "read " + std::to_string(n) +
                " bytes that differ from what the "
                "peer wrote at offset " +
                std::to_string(d.read + at) + ": read " +
                Preview(data + at, n - at) + ", written " +
                Preview(reinterpret_cast<const uint8_t*>(d.pending.data()) +
                            d.head + at,
                        n - at));
    return;
  }
  d.head += n;
  d.read += n;
  // Drop what was read once it is most of the buffer (amortized O(1)).
  if (d.head == d.pending.size()) {
    d.pending.clear();
    d.head = 0;
  } else if (d.head > 4096 && d.head * 2 > d.pending.size()) {
    d.pending.erase(0, d.head);
    d.head = 0;
  }
}

void StreamLedger::StopChecking(const sim::File* file) {
  SocketEntry* s = Find(file);
  if (s == nullptr) return;
  for (Direction& d : s->conn->dir) {
    d.checked = false;
    d.pending.clear();
    d.head = 0;
  }
}

void StreamLedger::Violate(Connection& c, int from, const std::string& what) {
  Direction& d = c.dir[from];
  d.checked = false;  // one report per direction: the rest is off by then
  d.pending.clear();
  d.head = 0;
  // The connection's name is "low <-> high"; say which way the bytes went.
  const size_t sep = c.name.find(" <-> ");
  const std::string a = c.name.substr(0, sep);
  const std::string b = c.name.substr(sep + 5);
  violations_.push_back((from == 0 ? a + " -> " + b : b + " -> " + a) + ": " +
                        what);
}

std::vector<std::string> StreamLedger::TakeViolations() {
  std::vector<std::string> out;
  out.swap(violations_);
  return out;
}

}  // namespace simsock::experiment
