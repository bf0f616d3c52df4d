// libFuzzer target for the Redis request parser (server/resp_parser.h), the
// first code to see a network client's bytes. The input is what a client
// sends, any bytes. The parser runs with small limits (so they are reached),
// and with the server's own command table telling it which arguments are
// keys.
//
// Invariants: no crash or sanitizer report. Fed whole, or in pieces whose
// sizes come from the input, the parser yields the same commands and ends in
// the same state (needing more, or the same error): it resumes anywhere.
// Every command has arguments, none over its limit; after an error every
// call answers the error again; what is buffered never exceeds what was fed.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "server/command.h"
#include "server/resp_parser.h"
#include "tests/fuzz/fuzz_inputs.h"

namespace {

using synapsed::storage::server::IsKeyArgument;
using synapsed::storage::server::RespLimits;
using synapsed::storage::server::RespParser;

struct Outcome {
  std::vector<std::vector<std::string>> commands;
  RespParser::Result last = RespParser::Result::kNeedMore;
  std::string error;
};

RespLimits SmallLimits() {
  RespLimits l;
  l.max_bulk = 64;
  l.max_key = 16;
  l.max_args = 16;
  l.max_request = 256;
  l.max_inline = 128;
  return l;
}

void Drain(RespParser& p, Outcome* out, const RespLimits& limits) {
  std::vector<std::string> args;
  while (true) {
    const RespParser::Result r = p.Next(&args);
    if (r != RespParser::Result::kCommand) {
      out->last = r;
      if (r == RespParser::Result::kError) out->error = p.error();
      return;
    }
    FUZZ_CHECK(!args.empty());
    FUZZ_CHECK(args.size() <= limits.max_args);
    for (size_t i = 1; i < args.size(); ++i) {
      FUZZ_CHECK(args[i].size() <= (IsKeyArgument(args[0], i) ? limits.max_key : limits.max_bulk));
    }
    out->commands.push_back(args);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const RespLimits limits = SmallLimits();

  Outcome whole;
  RespParser a(limits, IsKeyArgument);
  a.Feed(input);
  Drain(a, &whole, limits);
  FUZZ_CHECK(a.buffered() <= size);
  if (whole.last == RespParser::Result::kError) {
    std::vector<std::string> args;
    FUZZ_CHECK(a.Next(&args) == RespParser::Result::kError);
    FUZZ_CHECK(a.error() == whole.error);
  }

  // The same bytes in pieces of 1..16 bytes, sizes taken from the input.
  Outcome pieces;
  RespParser b(limits, IsKeyArgument);
  size_t pos = 0, step = 0;
  while (pos < size && pieces.last != RespParser::Result::kError) {
    const size_t n = std::min<size_t>(size - pos, 1 + (data[step++ % size] & 15));
    b.Feed(input.substr(pos, n));
    pos += n;
    Drain(b, &pieces, limits);
  }
  FUZZ_CHECK(pieces.commands == whole.commands);
  FUZZ_CHECK(pieces.last == whole.last);
  FUZZ_CHECK(pieces.error == whole.error);
  return 0;
}
