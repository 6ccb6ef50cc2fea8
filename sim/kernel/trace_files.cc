#include "simsock/sim/kernel/trace_files.h"

#include <cerrno>
#include <cstring>

#include "simsock/sim/kernel/pcap_writer.h"
#include "simsock/sim/kernel/trace.h"

namespace simsock::sim {

namespace {

// Opens `path` into `out`; on failure returns the error line for `what`.
std::string Open(std::ofstream& out, const std::string& path,
                 std::ios::openmode mode, const char* what) {
  if (path.empty()) return "";
  errno = 0;
  out.open(path, mode | std::ios::out | std::ios::trunc);
  if (out.is_open()) return "";
  return std::string("cannot open the ") + what + " file " + path + ": " +
         (errno != 0 ? std::strerror(errno) : "unknown error");
}

}  // namespace

TraceFiles::TraceFiles(const std::string& json_path,
                       const std::string& pcap_path) {
  error_ = Open(json_, json_path, std::ios::out, "JSON trace");
  std::string pcap_error =
      Open(pcap_file_, pcap_path, std::ios::binary, "pcap");
  if (error_.empty()) error_ = pcap_error;
  if (pcap_file_.is_open()) pcap_ = std::make_unique<PcapWriter>(pcap_file_);
}

TraceFiles::~TraceFiles() = default;

void TraceFiles::Attach(Trace& trace) {
  Detach();
  attached_ = &trace;
  if (json_.is_open()) trace.SetJsonSink(&json_);
  if (pcap_) trace.SetPcap(pcap_.get());
}

void TraceFiles::Detach() {
  if (attached_ == nullptr) return;
  if (json_.is_open()) attached_->SetJsonSink(nullptr);
  if (pcap_) attached_->SetPcap(nullptr);
  attached_ = nullptr;
}

}  // namespace simsock::sim
