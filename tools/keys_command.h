// `synapsed keys`: the encryption keys of an encrypted native database
// (docs/format/encryption.md).
//
//   keys generate FILE [--id ID]      a new key file (mode 0600) holding one
//                                     random 256-bit key; refuses an existing FILE
//   keys status --dir DIR --key-file F
//                                     the master key id and the files and bytes
//                                     per key generation (read-only)
//   keys rotate --dir DIR --key-file OLD --new-key-file NEW
//                                     re-wraps every data key under NEW's
//                                     current key; afterwards NEW alone opens
//                                     the database
//   keys reencrypt --dir DIR --key-file F
//                                     rewrites every file under data keys made
//                                     under F's current key, so that no file is
//                                     left whose key an older master key wrapped
//   keys reseal --config CONFIG [--key-file F]
//                                     another backend under the integrity
//                                     envelope: rewrites every value sealed under
//                                     an older key with the current one (the last
//                                     key of the key file; rotate by appending a
//                                     key to it), then prints the counts
//
// Keys are never printed. Exit codes: tools/tool_util.h.
#ifndef SYNAPSED_TOOLS_KEYS_COMMAND_H_
#define SYNAPSED_TOOLS_KEYS_COMMAND_H_

#include <CLI/CLI.hpp>

namespace synapsed::storage::tools {

void AddKeysCommand(CLI::App* app);

}  // namespace synapsed::storage::tools

#endif  // SYNAPSED_TOOLS_KEYS_COMMAND_H_
