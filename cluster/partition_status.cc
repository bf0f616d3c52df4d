#include "cluster/partition_status.h"

#include <cinttypes>
#include <cstdio>

#include "fmt/format.h"

namespace synapsed::storage::cluster {

std::string FormatPartitionStatus(uint32_t p, const PartitionStatus& s) {
  return fmt::format("partition_{}:leader={},term={},commit={},applied={},restores={}\r\n", p,
                     s.leader, s.term, s.commit, s.applied, s.restores);
}

std::map<uint32_t, PartitionStatus> ParsePartitionStatus(std::string_view info) {
  std::map<uint32_t, PartitionStatus> out;
  while (!info.empty()) {
    const size_t end = info.find('\n');
    const std::string line(info.substr(0, end));
    info.remove_prefix(end == std::string_view::npos ? info.size() : end + 1);
    uint32_t p = 0;
    PartitionStatus s;
    if (std::sscanf(line.c_str(),
                    "partition_%" SCNu32 ":leader=%" SCNu64 ",term=%" SCNu64 ",commit=%" SCNu64
                    ",applied=%" SCNu64 ",restores=%" SCNu64,
                    &p, &s.leader, &s.term, &s.commit, &s.applied, &s.restores) == 6) {
      out[p] = s;
    }
  }
  return out;
}

}  // namespace synapsed::storage::cluster
