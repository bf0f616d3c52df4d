// libFuzzer target for the reply parser of the `distributed` backend's
// client (backends/resp_reply.h): the input is what a server (or anything
// listening where a cluster node should be) sends back, any bytes.
//
// Invariants: no crash or sanitizer report. Replies are taken off the front
// one after another, as the connection does: each whole one consumes at
// least one byte and no more than is there, and parsing its bytes alone
// gives the same reply; every strict prefix of those bytes is incomplete
// (a reply is never mistaken for a shorter one, so the parser may be called
// again as bytes arrive); bulks, arrays and nesting stay within the limits.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "backends/resp_reply.h"
#include "tests/fuzz/fuzz_inputs.h"

namespace {

using synapsed::storage::kMaxArrayElements;
using synapsed::storage::kMaxBulkBytes;
using synapsed::storage::ParseOutcome;
using synapsed::storage::ParseReply;
using synapsed::storage::RespReply;

size_t Depth(const RespReply& r) {
  size_t d = 0;
  for (const RespReply& e : r.elements) d = std::max(d, Depth(e));
  return r.type == RespReply::Type::kArray ? d + 1 : 0;
}

void CheckLimits(const RespReply& r) {
  FUZZ_CHECK(r.str.size() <= kMaxBulkBytes);
  FUZZ_CHECK(r.elements.size() <= kMaxArrayElements);
  for (const RespReply& e : r.elements) CheckLimits(e);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  for (int replies = 0; !in.empty() && replies < 64; ++replies) {
    RespReply r;
    size_t used = 0;
    std::string error;
    const ParseOutcome o = ParseReply(in, &r, &used, &error);
    if (o == ParseOutcome::kMalformed) {
      FUZZ_CHECK(!error.empty());
      return 0;
    }
    if (o == ParseOutcome::kIncomplete) return 0;
    FUZZ_CHECK(used > 0 && used <= in.size());
    FUZZ_CHECK(Depth(r) <= synapsed::storage::kMaxReplyDepth + 1);
    CheckLimits(r);
    const std::string_view whole = in.substr(0, used);
    RespReply again;
    size_t again_used = 0;
    FUZZ_CHECK(ParseReply(whole, &again, &again_used, &error) == ParseOutcome::kDone);
    FUZZ_CHECK(again_used == used && again.ToString() == r.ToString());
    for (size_t cut = 0; cut < used; ++cut) {
      RespReply part;
      size_t part_used = 0;
      FUZZ_CHECK(ParseReply(whole.substr(0, cut), &part, &part_used, &error) ==
                 ParseOutcome::kIncomplete);
    }
    in.remove_prefix(used);
  }
  return 0;
}
